import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { DuckDbWarehouse } from '../../src/adapters/duckdb/duckdb-warehouse.ts';
import { CANONICAL_COLUMNS } from '../../src/domain/canonical-model.ts';
import { claimflow, lit, sql, tempDir } from '../support/cli.ts';

/** A feed with 8 of the canonical columns: its published file holds those, not the other 140-odd. */
const NARROW = [
  'claim_id,claim_line_number,claim_type,person_id,claim_start_date,claim_end_date,payer,paid_amount',
  'N1,1,professional,P1,2025-03-03,2025-03-03,Acme,10.00',
  'N1,2,professional,P1,2025-03-03,2025-03-03,Acme,20.50',
  'N2,1,professional,P2,2025-03-20,2025-03-20,Acme,5.25',
].join('\n');

/** Columns that differ between two runs of the same input (the job and the time it ran). */
const PER_RUN = ['job_id', 'ingest_datetime'];

async function describeView(root: string, view: string): Promise<string[]> {
  const rows = await new DuckDbWarehouse(root).query(`DESCRIBE ${view}`);
  return rows.map((r) => `${r.column_name} ${r.column_type}`);
}

async function viewRows(root: string, view: string, orderBy: string): Promise<Record<string, unknown>[]> {
  return new DuckDbWarehouse(root).query(`SELECT * EXCLUDE (${PER_RUN.join(', ')}) FROM ${view} ORDER BY ${orderBy}`);
}

/** Columns of the Parquet file under `root` that holds `fileName`'s lines (one month, so one file). */
async function publishedColumnsOf(root: string, fileName: string): Promise<string[]> {
  const month = join(root, 'processed/claims/year=2025/month=03');
  for (const file of await readdir(month)) {
    const path = join(month, file);
    const [row] = await sql(`SELECT file_name FROM read_parquet(${lit(path)}, hive_partitioning = false) LIMIT 1`);
    if (row?.file_name !== fileName) continue;
    const described = await sql(`DESCRIBE SELECT * FROM read_parquet(${lit(path)}, hive_partitioning = false)`);
    return described.map((r) => String(r.column_name));
  }
  return assert.fail(`no published file of ${fileName}`);
}

describe('published claims: only the populated columns written, the full canonical model read', () => {
  /** Populated layout: the narrow and the generated file in one month; the narrow file alone. */
  let mixed: string;
  let narrowOnly: string;
  /** The same inputs published with every canonical column (the layout before issue 24): the reference. */
  let canonical: string;

  before(async () => {
    const dir = await tempDir('published-layout');
    const narrow = join(dir, 'narrow.csv');
    const wide = join(dir, 'wide.csv');
    await writeFile(narrow, `${NARROW}\n`);
    const generated = await claimflow('generate', '--rows', '400', '--out', wide, '--seed', '8', '--month', '2025-03');
    assert.equal(generated.code, 0, generated.stderr);
    const config = join(dir, 'canonical.yaml');
    await writeFile(config, 'published_layout: canonical\n');
    mixed = join(dir, 'mixed');
    narrowOnly = join(dir, 'narrow');
    canonical = join(dir, 'canonical');
    const runs: Array<[string, string[]]> = [
      [mixed, [narrow, wide]],
      [narrowOnly, [narrow]],
      [canonical, [narrow, wide, '--config', config]],
    ];
    for (const [root, args] of runs) {
      const run = await claimflow('run', ...args, '--root', root, '--run-date', '2025-06-30', '--json');
      assert.ok(run.code === 0 || run.code === 2, `exit ${run.code}: ${run.stderr}`);
    }
  });

  it('writes the canonical columns a file has, and every one under published_layout: canonical', async () => {
    const narrow = await publishedColumnsOf(mixed, 'narrow.csv');
    assert.ok(narrow.includes('payer') && narrow.includes('paid_amount'));
    assert.ok(!narrow.includes('rendering_npi') && !narrow.includes('diagnosis_code_1'), narrow.join(', '));
    assert.ok(narrow.length < 40, `${narrow.length} columns`);
    const wide = await publishedColumnsOf(mixed, 'wide.csv');
    assert.ok(wide.includes('rendering_npi') && wide.length > narrow.length);
    const full = await publishedColumnsOf(canonical, 'narrow.csv');
    for (const c of CANONICAL_COLUMNS) assert.ok(full.includes(c.name), `${c.name} in the canonical layout`);
  });

  it('shows the full canonical model in the warehouse, with the types of the canonical layout, for a file that lacked most of it', async () => {
    const reference = await describeView(canonical, 'medical_claim');
    assert.deepEqual(
      reference.slice(0, CANONICAL_COLUMNS.length).map((c) => c.split(' ')[0]),
      CANONICAL_COLUMNS.map((c) => c.name),
    );
    assert.deepEqual(await describeView(narrowOnly, 'medical_claim'), reference);
    assert.deepEqual(await describeView(mixed, 'medical_claim'), reference);
  });

  it('reads files with different column sets in one month together, value for value as the canonical layout', async () => {
    const rows = await viewRows(mixed, 'medical_claim', 'file_name, source_row_number');
    assert.deepEqual(rows, await viewRows(canonical, 'medical_claim', 'file_name, source_row_number'));
    const narrow = rows.filter((r) => r.file_name === 'narrow.csv');
    assert.equal(narrow.length, 3);
    assert.deepEqual(
      narrow.map((r) => [r.claim_id, r.payer, String(r.paid_amount), r.rendering_npi]),
      [
        ['N1', 'Acme', '10', null],
        ['N1', 'Acme', '20.5', null],
        ['N2', 'Acme', '5.25', null],
      ],
    );
  });

  it('aggregates the month over both files as the canonical layout does', async () => {
    for (const view of ['monthly_by_payer_claim_type', 'monthly_by_rendering_provider']) {
      const groups = view.endsWith('provider') ? 'rendering_npi' : 'payer, claim_type';
      const rows = await viewRows(mixed, `(SELECT *, 0 AS job_id, 0 AS ingest_datetime FROM ${view})`, groups);
      assert.deepEqual(
        rows,
        await viewRows(canonical, `(SELECT *, 0 AS job_id, 0 AS ingest_datetime FROM ${view})`, groups),
      );
    }
    const [acme] = await new DuckDbWarehouse(mixed).query(
      "SELECT line_count, claim_count, member_count, CAST(paid_amount AS VARCHAR) AS paid FROM monthly_by_payer_claim_type WHERE payer = 'Acme'",
    );
    assert.deepEqual(acme, { line_count: 3n, claim_count: 2n, member_count: 2n, paid: '35.75' });
    const [unrendered] = await new DuckDbWarehouse(narrowOnly).query(
      'SELECT line_count FROM monthly_by_rendering_provider WHERE rendering_npi IS NULL',
    );
    assert.deepEqual(unrendered, { line_count: 3n });
  });
});
