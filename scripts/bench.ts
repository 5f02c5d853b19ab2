// `npm run bench -- [--rows 1000000,10000000] [--shapes one-month,lag,backfill] [--spark-rows 1000000] [--dir DIR] [--memory-limit 1GB] [--no-spark] [--no-append]`
// Generates files of N claim lines in each shape of service months (issue 24): (one-month) every
// claim in one month; (lag) a monthly feed with claims lag, most claims in the latest three months
// and a tail over eighteen; (backfill) claims spread evenly over five years. Times, on the same
// files in the same run:
//   (a) the full pipeline (`claimflow run`: every rule, dedupe, enrichment, partitioned Parquet,
//       aggregations, report), (b) DuckDB CSV -> one Parquet file (typed by its sniffer),
//   (p) DuckDB CSV -> Parquet partitioned by the claims' year and month, the layout (a) publishes,
//       nothing checked: what the publish stage is compared with, (t) DuckDB CSV -> Parquet as
//       text, what the ingest stage is compared with, (n) the pipeline with every row rule
//       disabled, whose check stage only types the columns: what the check stage is compared with,
//       and (c) DuckDB count(*).
// Prints rows/s, MB/s, peak RSS, the ratios a/b and a/c, and each stage against its raw
// equivalent: ingest/t, check/n (and the rules' own seconds, check(a) - check(n)), publish/p.
// The Spark peer (unless --no-spark), on every shape at the sizes of --spark-rows: (e) the same
// file through `claimflow run --engine spark` on local[2] (the same plan on PySpark, JVM start
// included), with the ratio e/a and the rows each engine published, which must agree. Appends the
// tables to docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROW_RULES } from '../src/domain/rule-catalog.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000,10000000' },
    shapes: { type: 'string', default: 'one-month,lag,backfill' },
    dir: { type: 'string', default: './claimflow-data/bench' },
    'spark-rows': { type: 'string', default: '1000000' },
    'memory-limit': { type: 'string', default: '1200MB' },
    'no-spark': { type: 'boolean', default: false },
    'no-append': { type: 'boolean', default: false },
  },
});
const sizesOf = (flag: string, list: string): number[] => {
  const sizes = list.split(',').map((n) => Number(n.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--${flag}: whole numbers, comma-separated`);
  return sizes;
};
const sizes = sizesOf('rows', values.rows);
const sparkSizes = new Set(sizesOf('spark-rows', values['spark-rows']));
/** `generate --spread` of each shape; every file's latest service month is 2025-10. */
const SPREADS: Readonly<Record<string, string>> = { 'one-month': 'one-month', lag: 'lag', backfill: '60-months' };
const shapes = values.shapes.split(',').map((s) => s.trim());
for (const shape of shapes) if (!SPREADS[shape]) throw new Error(`--shapes: one-month, lag or backfill, not ${shape}`);
const dir = resolve(values.dir);
const memoryLimit = values['memory-limit'];
const cli = resolve('bin/claimflow.js');
const refdata = resolve('../shared/refdata');
mkdirSync(dir, { recursive: true });
// (n): the same run with every row rule of the catalog disabled, so its check stage is the typing alone.
const noRules = join(dir, 'no-rules.json');
writeFileSync(noRules, JSON.stringify({ rules: Object.fromEntries(ROW_RULES.map((r) => [r.id, { enabled: false }])) }));

interface Measure {
  readonly seconds: number;
  readonly rssMb: number;
}

function node(args: string[]): string {
  return execFileSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

interface RunSummary {
  readonly elapsed_ms: number;
  readonly peak_rss_mb: number;
  readonly totals: { readonly processed_rows: number; readonly quarantined_rows: number };
  readonly files: Array<{ timings_ms: Record<string, number> }>;
}

/** `claimflow run FILE` into a fresh root, with the bench's settings and any engine flags. */
function runPipeline(file: string, root: string, engineArgs: string[]): RunSummary {
  rmSync(root, { recursive: true, force: true });
  const refArgs = existsSync(refdata) ? ['--refdata', refdata] : [];
  const args = ['run', file, '--root', root, '--json', '--run-date', '2026-01-31', ...refArgs, ...engineArgs];
  return JSON.parse(node([cli, ...args])) as RunSummary;
}

const stagesOf = (run: RunSummary): string =>
  Object.entries(run.files[0]?.timings_ms ?? {})
    .map(([s, ms]) => `${s} ${(ms / 1000).toFixed(1)}`)
    .join(', ');

function measure(args: string[]): Measure {
  const out = JSON.parse(node(args)) as { elapsed_ms: number; peak_rss_mb: number };
  return { seconds: out.elapsed_ms / 1000, rssMb: out.peak_rss_mb };
}

const rows: string[] = [];
const peers: string[] = [];
const baseline = (mode: string, file: string, out: string): Measure =>
  measure(['--import', 'tsx', 'scripts/bench-baseline.ts', mode, file, out, memoryLimit]);
for (const n of sizes) {
  for (const shape of shapes) {
    // The one-month files keep their earlier name, so files generated by earlier runs are reused.
    const file = join(dir, shape === 'one-month' ? `claims-${n}.csv` : `claims-${shape}-${n}.csv`);
    if (!existsSync(file)) {
      process.stderr.write(`generating ${n} lines (${shape})...\n`);
      const spread = ['--spread', SPREADS[shape] ?? 'one-month'];
      node([
        cli,
        'generate',
        '--rows',
        String(n),
        '--out',
        file,
        '--seed',
        '5',
        '--defect-rate',
        '0.02',
        '--month',
        '2025-10',
        ...spread,
      ]);
    }
    const mb = statSync(file).size / 1024 ** 2;
    process.stderr.write(`(a) pipeline on ${n} lines (${shape})...\n`);
    const run = runPipeline(file, join(dir, `root-${shape}-${n}`), ['--memory-limit', memoryLimit]);
    const a: Measure = { seconds: run.elapsed_ms / 1000, rssMb: run.peak_rss_mb };
    process.stderr.write('(n) the pipeline with no row rule...\n');
    const none = runPipeline(file, join(dir, `root-none-${shape}-${n}`), [
      '--memory-limit',
      memoryLimit,
      '--config',
      noRules,
    ]);
    process.stderr.write('(t) DuckDB CSV -> Parquet as text...\n');
    const t = baseline('text', file, join(dir, `text-${n}.parquet`));
    rmSync(join(dir, `text-${n}.parquet`), { force: true });
    process.stderr.write('(b) DuckDB CSV -> Parquet...\n');
    const b = baseline('copy', file, join(dir, `baseline-${n}.parquet`));
    process.stderr.write('(p) DuckDB CSV -> Parquet partitioned by year and month...\n');
    const partitioned = join(dir, `partitioned-${n}`);
    const p = baseline('partitioned', file, partitioned);
    process.stderr.write('(c) DuckDB count(*)...\n');
    const c = baseline('count', file, '');
    rmSync(join(dir, `baseline-${n}.parquet`), { force: true });
    const months = readdirSync(partitioned, { recursive: true }).filter((f) => /month=\d+$/.test(String(f))).length;
    rmSync(partitioned, { recursive: true, force: true });
    const rate = (m: Measure) => Math.round(n / m.seconds).toLocaleString('en-US');
    const stage = (r: RunSummary, name: string) => (r.files[0]?.timings_ms[name] ?? 0) / 1000;
    const ratio = (x: Measure) => `${((x.seconds / a.seconds) * 100).toFixed(0)}%`;
    const times = (x: number, y: number) => `${(x / y).toFixed(1)}x`;
    const checkOf = { all: stage(run, 'check'), none: stage(none, 'check') };
    rows.push(
      `| ${shape} | ${n.toLocaleString('en-US')} | ${months} | ${mb.toFixed(0)} | ${a.seconds.toFixed(1)} | ${rate(a)} | ${(mb / a.seconds).toFixed(1)} | ${a.rssMb} | ${b.seconds.toFixed(1)} | ${b.rssMb} | ${p.seconds.toFixed(1)} | ${t.seconds.toFixed(1)} | ${(none.elapsed_ms / 1000).toFixed(1)} | ${c.seconds.toFixed(1)} | ${ratio(b)} | ${ratio(c)} | ${times(stage(run, 'ingest'), t.seconds)} | ${times(checkOf.all, checkOf.none)} (rules ${(checkOf.all - checkOf.none).toFixed(1)} s) | ${times(stage(run, 'publish'), p.seconds)} | ${stagesOf(run)} |`,
    );
    process.stdout.write(`${rows.at(-1)}\n`);
    if (values['no-spark'] || !sparkSizes.has(n)) continue;
    process.stderr.write('(e) the same plan on Spark local[2]...\n');
    const spark = runPipeline(file, join(dir, `root-spark-${n}`), ['--engine', 'spark', '--spark-master', 'local[2]']);
    const published = (r: RunSummary) => `${r.totals.processed_rows} + ${r.totals.quarantined_rows}`;
    if (published(spark) !== published(run)) {
      throw new Error(
        `the engines disagree: DuckDB ${published(run)} rows, Spark ${published(spark)} (processed + quarantined)`,
      );
    }
    const e = spark.elapsed_ms / 1000;
    peers.push(
      `| ${shape} | ${n.toLocaleString('en-US')} | ${a.seconds.toFixed(1)} | ${e.toFixed(1)} | ${rate({ seconds: e, rssMb: 0 })} | ${(e / a.seconds).toFixed(1)}x | ${published(run)} | ${stagesOf(spark)} |`,
    );
    process.stdout.write(`${peers.at(-1)}\n`);
  }
}

const header = [
  `### ${new Date().toISOString().slice(0, 10)}: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, memory limit ${memoryLimit}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at the end`,
  '',
  '| shape | lines | service months | CSV MB | (a) s | (a) rows/s | (a) MB/s | (a) peak RSS MB | (b) s | (b) peak RSS MB | (p) s | (t) s | (n) s | (c) s | a/b throughput | a/c throughput | ingest / (t) | check / check of (n) | publish / (p) | (a) stages, s |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];
const peerTable = [
  '',
  'Spark peer: (e) `claimflow run --engine spark --spark-master local[2]` on the same file (JVM start included)',
  '',
  '| shape | lines | (a) DuckDB s | (e) Spark s | (e) rows/s | e/a | rows processed + quarantined (both engines) | (e) stages, s |',
  '|---|---|---|---|---|---|---|---|',
  ...peers,
];
const section = `${[...header, ...rows, ...(peers.length > 0 ? peerTable : [])].join('\n')}\n\n`;
process.stdout.write(`\n${section}`);
if (!values['no-append']) appendFileSync('docs/BENCHMARKS.md', section);
