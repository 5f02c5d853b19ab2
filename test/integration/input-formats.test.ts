import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { claimflow, lit, type RunJson, sql, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';

describe('input formats', () => {
  let dir: string;
  const files: Record<string, string> = {};

  before(async () => {
    dir = await tempDir('formats');
    const base = join(dir, 'base.csv');
    for (const format of ['csv', 'ndjson', 'json'] as const) {
      const out = join(dir, `claims.${format}`);
      const result = await claimflow('generate', '--rows', '3000', '--out', out, '--seed', '5', '--format', format);
      assert.equal(result.code, 0, result.stderr);
      files[format] = out;
    }
    await writeFile(base, await readFile(files.csv ?? ''));
    const csv = await readFile(base, 'utf8');
    // Generated fields hold no delimiters or quotes, so swapping the delimiter is a faithful conversion.
    files.pipe = join(dir, 'claims-pipe.txt');
    await writeFile(files.pipe, `\uFEFF${csv.replaceAll(',', '|').replaceAll('\n', '\r\n')}`);
    files.tab = join(dir, 'claims.tsv');
    await writeFile(files.tab, csv.replaceAll(',', '\t'));
    files.csvgz = join(dir, 'claims.csv.gz');
    await writeFile(files.csvgz, gzipSync(csv));
    // Compressed without saying so in the name: read by content.
    files.unnamedgz = join(dir, 'claims-gzipped.psv');
    await writeFile(files.unnamedgz, gzipSync(csv.replaceAll(',', '|')));
    files.ndjsongz = join(dir, 'claims.ndjson.gz');
    await writeFile(files.ndjsongz, gzipSync(await readFile(files.ndjson ?? '')));
  });

  it('reads CSV (comma, pipe + BOM + CRLF, tab), NDJSON, JSON arrays and gzip of them alike', async () => {
    const names = ['csv', 'pipe', 'tab', 'csvgz', 'unnamedgz', 'ndjson', 'ndjsongz', 'json'];
    const result = await claimflow('run', ...names.map((n) => files[n] ?? ''), '--root', join(dir, 'root'), '--json');
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout) as RunJson;
    const summaries = run.files.map((f) => ({
      status: f.status,
      summary: f.validation?.summary,
      processed: f.processed_records,
      duplicates: f.duplicates_removed?.total,
    }));
    assert.equal(summaries.length, names.length);
    for (const s of summaries) assert.deepEqual(s, summaries[0], 'every format gives the same counts');
    assert.equal(summaries[0]?.summary?.total_records, 3000);
  });

  it('publishes the same typed values from CSV and NDJSON', async () => {
    const root = join(dir, 'root');
    const rows = await sql(
      `SELECT file_name, SUM(paid_amount) AS paid, MIN(claim_start_date) AS first, COUNT(DISTINCT diagnosis_code_1) AS dx
       FROM read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))}) GROUP BY file_name ORDER BY file_name`,
    );
    assert.equal(rows.length, 8);
    for (const r of rows) {
      assert.equal(r.paid, rows[0]?.paid, `${r.file_name} amounts`);
      assert.deepEqual(r.first, rows[0]?.first, `${r.file_name} dates`);
      assert.equal(r.dx, rows[0]?.dx, `${r.file_name} codes`);
    }
  });

  it('reads the Tuva Project medical_claim seed without losing a row', async () => {
    const seed = join(SHARED_DIR, 'samples/tuva/medical_claim_seed.csv');
    const result = await claimflow('run', seed, '--root', join(dir, 'tuva'), '--json');
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout) as RunJson;
    assert.equal(run.totals.input_rows, 2075);
    assert.equal(run.totals.processed_rows + run.totals.quarantined_rows + run.totals.duplicates_removed, 2075);
    const [row] = await sql(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT data_source) AS sources, MIN(data_source) AS source
       FROM read_parquet(${lit(join(dir, 'tuva/processed/claims/*/*/*.parquet'))})`,
    );
    assert.equal(Number(row?.n), run.totals.processed_rows);
    assert.equal(row?.source, 'medicare cclf', "the row's own data_source is kept");
  });
});
