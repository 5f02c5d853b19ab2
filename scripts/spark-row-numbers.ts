// `tsx scripts/spark-row-numbers.ts [--rows 8300000] [--dir DIR] [--split-mb 16] [--master local[2]]`
// The row-numbering check of issue 19 at scale: writes a generated CSV of --rows claim lines
// (8.3M lines is about 2 GB), then has glue/run_plan.py read it in --split-mb splits (many
// partitions) and in 1 GB splits, and prints for each the rows, distinct row numbers, min and
// max, whether they are 1..N once each, the partitions that read the file, and the seconds taken.
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SparkWorker } from '../src/adapters/spark/spark-worker.ts';
import { writeClaimsFile } from '../src/cli/write-claims-file.ts';
import { ENGINE_PLAN_VERSION, type EnginePlan, INPUT_VIEW } from '../src/plan/engine-plan.ts';
import { positionalColumn } from '../src/plan/source-columns.ts';
import { sparkDialect } from '../src/plan/spark-dialect.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '8300000' },
    dir: { type: 'string', default: './claimflow-data/spark-row-numbers' },
    'split-mb': { type: 'string', default: '16' },
    master: { type: 'string', default: 'local[2]' },
  },
});
const MB = 1024 * 1024;
const dir = resolve(values.dir);
mkdirSync(dir, { recursive: true });
const input = join(dir, `claims-${values.rows}.csv`);
if (!existsSync(input)) {
  const started = performance.now();
  await writeClaimsFile(input, Number(values.rows), 'csv', { seed: 7, defectRate: 0.02, month: '2025-10' });
  console.log(`wrote ${input} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
const bytes = statSync(input).size;
const head = Buffer.alloc(4096);
const fd = openSync(input, 'r');
readSync(fd, head, 0, head.length, 0);
closeSync(fd);
const columns = (head.toString('utf8').split('\n')[0] ?? '').split(',');
console.log(`${input}: ${(bytes / MB).toFixed(0)} MB`);

const worker = await SparkWorker.start({
  master: values.master,
  conf: ['spark.ui.enabled=false', 'spark.driver.memory=2g'],
});
try {
  for (const [name, splitBytes] of [
    [`${values['split-mb']}mb-splits`, Number(values['split-mb']) * MB],
    ['1gb-splits', 1024 * MB],
  ] as const) {
    const job = `numbers-${name}`;
    const temp = join(dir, 'temp', job);
    const plan: EnginePlan = {
      version: ENGINE_PLAN_VERSION,
      dialect: 'spark',
      job_id: job,
      input_file: 'claims.csv',
      input: {
        view: INPUT_VIEW,
        path: input,
        format: 'csv',
        compression: 'none',
        delimiter: ',',
        columns,
        view_columns: columns.map((_, i) => positionalColumn(i)),
      },
      code_sets: {},
      companion_files: {},
      settings: {
        ...sparkDialect.sessionSettings,
        'spark.sql.files.maxPartitionBytes': String(splitBytes),
        'spark.sql.files.openCostInBytes': '0',
      },
      statements: [
        {
          name: 'numbering',
          sql: `SELECT COUNT(*) AS n, COUNT(DISTINCT _row_number) AS distinct_numbers, MIN(_row_number) AS lo, MAX(_row_number) AS hi FROM ${INPUT_VIEW}`,
          output: { path: join(temp, 'numbering'), format: 'json' },
        },
      ],
      scratch: join(temp, 'scratch'),
    };
    mkdirSync(temp, { recursive: true });
    writeFileSync(join(temp, 'plan.json'), JSON.stringify(plan));
    const { seconds } = await worker.run(join(temp, 'plan.json'), job);
    const part = readdirSync(join(temp, 'numbering')).find((f) => f.endsWith('.json')) ?? '';
    const stats = JSON.parse(readFileSync(join(temp, 'numbering', part), 'utf8')) as Record<string, number>;
    const partitions = readdirSync(join(temp, 'scratch', 'ingest')).filter((f) => f.endsWith('.parquet')).length;
    const exact =
      stats.n === Number(values.rows) && stats.distinct_numbers === stats.n && stats.lo === 1 && stats.hi === stats.n;
    console.log(
      `${name}: ${partitions} partitions, rows ${stats.n}, distinct ${stats.distinct_numbers}, min ${stats.lo}, max ${stats.hi}: ${exact ? '1..N once each' : 'NOT EXACT'}; ${seconds.toFixed(0)} s`,
    );
  }
} finally {
  await worker.close();
}
