// `npm run bench -- [--rows 1000000,3000000,10000000] [--dir DIR] [--memory-limit 1GB] [--no-spark] [--no-append]`
// Generates files of N claim lines, then times on the same files in the same run:
//   (a) the full pipeline (`claimflow run`: every rule, dedupe, enrichment, partitioned Parquet,
//       aggregations, report), (b) DuckDB CSV -> one Parquet file, (c) DuckDB count(*), and
//   (d) DuckDB CSV -> Parquet in the canonical model's ~160 columns, as (a) publishes them, written
//       without keeping row order: what publishing that layout costs with nothing checked or typed.
// Prints rows/s, MB/s, peak RSS, the ratios a/b and a/c, and the ceiling b/d: the share of the
// baseline that a pipeline writing the canonical layout could reach if its checks cost nothing.
// The Spark peer (unless --no-spark): (e) the same file through `claimflow run --engine spark` on
// local[2] (the same plan on PySpark, JVM start included), with the ratio e/a and the rows each
// engine published, which must agree. Appends the tables to docs/BENCHMARKS.md.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000,3000000,10000000' },
    dir: { type: 'string', default: './claimflow-data/bench' },
    'memory-limit': { type: 'string', default: '1200MB' },
    'no-spark': { type: 'boolean', default: false },
    'no-append': { type: 'boolean', default: false },
  },
});
const sizes = values.rows.split(',').map((n) => Number(n.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n <= 0)) throw new Error(`--rows: whole numbers, comma-separated`);
const dir = resolve(values.dir);
const memoryLimit = values['memory-limit'];
const cli = resolve('bin/claimflow.js');
const refdata = resolve('../shared/refdata');
mkdirSync(dir, { recursive: true });

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
for (const n of sizes) {
  const file = join(dir, `claims-${n}.csv`);
  if (!existsSync(file)) {
    process.stderr.write(`generating ${n} lines...\n`);
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
    ]);
  }
  const mb = statSync(file).size / 1024 ** 2;
  process.stderr.write(`(a) pipeline on ${n} lines...\n`);
  const run = runPipeline(file, join(dir, `root-${n}`), ['--memory-limit', memoryLimit]);
  const a: Measure = { seconds: run.elapsed_ms / 1000, rssMb: run.peak_rss_mb };
  process.stderr.write(`(b) DuckDB CSV -> Parquet...\n`);
  const b = measure([
    '--import',
    'tsx',
    'scripts/bench-baseline.ts',
    'copy',
    file,
    join(dir, `baseline-${n}.parquet`),
    memoryLimit,
  ]);
  process.stderr.write(`(c) DuckDB count(*)...\n`);
  const c = measure(['--import', 'tsx', 'scripts/bench-baseline.ts', 'count', file, '', memoryLimit]);
  process.stderr.write(`(d) DuckDB CSV -> Parquet in the canonical layout...\n`);
  const canonical = join(dir, `canonical-${n}.parquet`);
  const d = measure(['--import', 'tsx', 'scripts/bench-baseline.ts', 'canonical', file, canonical, memoryLimit]);
  for (const out of [join(dir, `baseline-${n}.parquet`), canonical]) rmSync(out, { force: true });
  const rate = (m: Measure) => Math.round(n / m.seconds).toLocaleString('en-US');
  const mbps = (m: Measure) => (mb / m.seconds).toFixed(1);
  const stages = stagesOf(run);
  rows.push(
    `| ${n.toLocaleString('en-US')} | ${mb.toFixed(0)} | ${a.seconds.toFixed(1)} | ${rate(a)} | ${mbps(a)} | ${a.rssMb} | ${b.seconds.toFixed(1)} | ${rate(b)} | ${b.rssMb} | ${c.seconds.toFixed(1)} | ${d.seconds.toFixed(1)} | ${((b.seconds / a.seconds) * 100).toFixed(0)}% | ${((c.seconds / a.seconds) * 100).toFixed(0)}% | ${((b.seconds / d.seconds) * 100).toFixed(0)}% | ${stages} |`,
  );
  process.stdout.write(`${rows.at(-1)}\n`);
  if (values['no-spark']) continue;
  process.stderr.write(`(e) the same plan on Spark local[2]...\n`);
  const spark = runPipeline(file, join(dir, `root-spark-${n}`), ['--engine', 'spark', '--spark-master', 'local[2]']);
  const published = (r: RunSummary) => `${r.totals.processed_rows} + ${r.totals.quarantined_rows}`;
  if (published(spark) !== published(run)) {
    throw new Error(
      `the engines disagree: DuckDB ${published(run)} rows, Spark ${published(spark)} (processed + quarantined)`,
    );
  }
  const e = spark.elapsed_ms / 1000;
  peers.push(
    `| ${n.toLocaleString('en-US')} | ${a.seconds.toFixed(1)} | ${e.toFixed(1)} | ${rate({ seconds: e, rssMb: 0 })} | ${(e / a.seconds).toFixed(1)}x | ${published(run)} | ${stagesOf(spark)} |`,
  );
  process.stdout.write(`${peers.at(-1)}\n`);
}

const header = [
  `### ${new Date().toISOString().slice(0, 10)}: ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, memory limit ${memoryLimit}`,
  '',
  '| lines | CSV MB | (a) s | (a) rows/s | (a) MB/s | (a) peak RSS MB | (b) s | (b) rows/s | (b) peak RSS MB | (c) s | (d) s | a/b throughput | a/c throughput | ceiling b/d | (a) stages, s |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];
const peerTable = [
  '',
  'Spark peer: (e) `claimflow run --engine spark --spark-master local[2]` on the same file (JVM start included)',
  '',
  '| lines | (a) DuckDB s | (e) Spark s | (e) rows/s | e/a | rows processed + quarantined (both engines) | (e) stages, s |',
  '|---|---|---|---|---|---|---|',
  ...peers,
];
const section = `${[...header, ...rows, ...(peers.length > 0 ? peerTable : [])].join('\n')}\n\n`;
process.stdout.write(`\n${section}`);
if (!values['no-append']) appendFileSync('docs/BENCHMARKS.md', section);
