// `tsx scripts/fingerprint-run.ts ROOT`: a fingerprint of everything a run published under ROOT,
// for comparing two builds on the same inputs (a refactor must not change a row or a report).
// Each Parquet output is read back by DuckDB, its rows sorted and hashed, with the lineage that
// differs per run (job_id, ingest_datetime) left out; each report is printed without its timings,
// job ids, times and locations. Prints one JSON document; diff two of them.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { PREFIXES } from '../src/domain/store-layout.ts';

const root = process.argv[2];
if (!root) throw new Error('usage: tsx scripts/fingerprint-run.ts ROOT');
const PER_RUN_COLUMNS = ['job_id', 'ingest_datetime'];

const files = (await readdir(root, { recursive: true })).map((p) => p.split('\\').join('/')).sort();
const db = await (await DuckDBInstance.create(':memory:')).connect();
const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;

/** Sorted rows of the Parquet files of one output folder, hashed; one output per folder group. */
async function fingerprint(parquetFiles: readonly string[]): Promise<{ rows: number; sha256: string }> {
  const list = `[${parquetFiles.map((f) => lit(join(root as string, f))).join(', ')}]`;
  const relation = `read_parquet(${list}, union_by_name = true, hive_partitioning = false)`;
  const described = await db.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`);
  const columns = described
    .getRowObjects()
    .map((r) => String(r.column_name))
    .filter((c) => !PER_RUN_COLUMNS.includes(c))
    .sort();
  const rows = await db.runAndReadAll(
    `SELECT ${columns.map((c) => `COALESCE(CAST("${c}" AS VARCHAR), '<null>')`).join(" || '\u0001' || ")} AS line
     FROM ${relation} ORDER BY line`,
  );
  const hash = createHash('sha256');
  hash.update(columns.join(','));
  const lines = rows.getRowObjects();
  for (const r of lines) hash.update(`${String(r.line)}\n`);
  return { rows: lines.length, sha256: hash.digest('hex') };
}

const groups = new Map<string, string[]>();
for (const f of files.filter((f) => f.endsWith('.parquet'))) {
  const group = f.replace(/year=\d{4}\/month=\d{2}\//, '').replace(/[^/]+$/, '');
  groups.set(group, [...(groups.get(group) ?? []), f]);
}
const outputs: Record<string, unknown> = {};
for (const [group, members] of groups) {
  outputs[group] = {
    files: members.map((m) => m.replace(/-[0-9a-f]{10}-/, '-<key>-')),
    ...(await fingerprint(members)),
  };
}

const VOLATILE = new Set([
  'timings_ms',
  'job_id',
  'started_at',
  'finished_at',
  'report_location',
  'html_report_location',
]);
const reports = [];
for (const f of files.filter((f) => f.startsWith(PREFIXES.validationReports) && f.endsWith('.json'))) {
  const report = JSON.parse(await readFile(join(root, f), 'utf8')) as Record<string, unknown>;
  const kept = Object.fromEntries(Object.entries(report).filter(([k]) => !VOLATILE.has(k)));
  // Sample rows come lowest row number first; rows sharing one (a wide record's lines) come in no fixed order.
  for (const rule of (kept.rules ?? []) as Array<{ samples: Array<Record<string, unknown>> }>) {
    rule.samples.sort((a, b) => JSON.stringify(Object.values(a)).localeCompare(JSON.stringify(Object.values(b))));
  }
  // Output keys carry the job id (archive, quarantine/files) and the source key's path digest.
  reports.push(JSON.parse(JSON.stringify(kept).replace(/claims-etl-\d{8}-\d{6}-\d{4}/g, '<job>')));
}
reports.sort((a, b) => String(a.input_file).localeCompare(String(b.input_file)));
process.stdout.write(`${JSON.stringify({ outputs, reports }, null, 2)}\n`);
