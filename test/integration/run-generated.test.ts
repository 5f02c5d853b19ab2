import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  claimflow,
  type Expectation,
  lit,
  type RunJson,
  readExpectations,
  sql,
  tempDir,
  warehouseLineCount,
} from '../support/cli.ts';

describe('claimflow run on a generated month with planted defects', () => {
  let dir: string;
  let input: string;
  let root: string;
  let run: RunJson;
  let expected: Expectation[];

  before(async () => {
    dir = await tempDir('generated');
    input = join(dir, 'claims.csv');
    root = join(dir, 'root');
    const generated = await claimflow(
      'generate',
      '--rows',
      '30000',
      '--out',
      input,
      '--seed',
      '11',
      '--defect-rate',
      '0.04',
      '--month',
      '2025-10',
    );
    assert.equal(generated.code, 0, generated.stderr);
    const result = await claimflow('run', input, '--root', root, '--json', '--run-date', '2026-01-31');
    assert.equal(result.code, 0, result.stderr);
    run = JSON.parse(result.stdout) as RunJson;
    expected = await readExpectations(input);
  });

  const rowsOf = (outcome: Expectation['outcome'], kind?: string) =>
    expected.filter((e) => e.outcome === outcome && (!kind || e.kind === kind));
  const processed = () => lit(join(root, 'processed/claims/*/*/*.parquet'));

  it('accounts for every input row: processed + quarantined + duplicates removed', () => {
    const t = run.totals;
    assert.equal(t.input_rows, 30000);
    assert.equal(t.processed_rows + t.quarantined_rows + t.duplicates_removed, t.input_rows);
    assert.equal(t.quarantined_rows, rowsOf('quarantine').length);
    assert.equal(t.duplicates_removed, rowsOf('duplicate').length);
    const [file] = run.files;
    assert.equal(file?.status, 'SUCCEEDED');
    assert.match(file?.job_id ?? '', /^claims-etl-\d{8}-\d{6}-\d{4}$/);
    assert.deepEqual(file?.duplicates_removed, {
      exact: rowsOf('duplicate', 'exact_duplicate').length,
      conflicting_key: rowsOf('duplicate', 'conflicting_duplicate').length,
      total: rowsOf('duplicate').length,
    });
  });

  it('quarantines exactly the planted defects, each with its rule, and no clean row', async () => {
    const rows = await sql(
      `SELECT source_row_number, dq_errors, claim_id FROM read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))}) ORDER BY 1`,
    );
    const planted = rowsOf('quarantine');
    assert.deepEqual(
      rows.map((r) => Number(r.source_row_number)),
      planted.map((e) => e.row),
    );
    for (const [i, e] of planted.entries()) {
      assert.ok(((rows[i]?.dq_errors ?? []) as string[]).includes(e.rule), `row ${e.row} caught by ${e.rule}`);
    }
  });

  it('keeps warned rows with their warning in dq_warnings', async () => {
    const warned = rowsOf('warn');
    assert.ok(warned.length > 0);
    const rows = await sql(
      `SELECT source_row_number, dq_warnings FROM read_parquet(${processed()}) WHERE source_row_number IN (${warned.map((e) => e.row).join(', ')})`,
    );
    assert.equal(rows.length, warned.length);
    for (const r of rows) assert.ok((r.dq_warnings as string[]).includes('negative_amount'));
  });

  it('drops exact duplicates and keeps the later-paid line of a conflicting key, flagged', async () => {
    const exact = rowsOf('duplicate', 'exact_duplicate').map((e) => e.row);
    const conflicting = rowsOf('duplicate', 'conflicting_duplicate').map((e) => e.row);
    const [dropped] = await sql(
      `SELECT COUNT(*) AS n FROM read_parquet(${processed()}) WHERE source_row_number IN (${exact.join(', ')})`,
    );
    assert.equal(Number(dropped?.n), 0, 'the second copy of an exact duplicate is dropped');
    const kept = await sql(
      `SELECT source_row_number, dq_warnings FROM read_parquet(${processed()}) WHERE source_row_number IN (${conflicting.join(', ')})`,
    );
    assert.equal(kept.length, conflicting.length, 'the later-paid version is the one kept');
    for (const r of kept) assert.ok((r.dq_warnings as string[]).includes('conflicting_duplicate_key'));
    const [keys] = await sql(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT (claim_id, claim_line_number, data_source)) AS k FROM read_parquet(${processed()})`,
    );
    assert.equal(keys?.n, keys?.k, 'one line per claim key');
  });

  it('writes typed Parquet partitioned by claim_start_date year and month', async () => {
    const types = Object.fromEntries(
      (await sql(`DESCRIBE SELECT * FROM read_parquet(${processed()})`)).map((r) => [r.column_name, r.column_type]),
    );
    assert.equal(types.claim_start_date, 'DATE');
    assert.equal(types.paid_date, 'DATE');
    assert.equal(types.paid_amount, 'DECIMAL(12,2)');
    assert.equal(types.charge_amount, 'DECIMAL(12,2)');
    assert.equal(types.claim_line_number, 'INTEGER');
    assert.equal(types.ingest_datetime, 'TIMESTAMP');
    assert.equal(types.source_row_number, 'BIGINT');
    assert.equal(types.dq_warnings, 'VARCHAR[]');
    for (const c of [
      'file_name',
      'job_id',
      'data_source',
      'age_at_service',
      'age_band',
      'length_of_stay',
      'service_category',
      'cost_tier',
      'risk_score',
    ]) {
      assert.ok(c in types, `${c} is published`);
    }
    const [lineage] = await sql(
      `SELECT COUNT(*) FILTER (WHERE ingest_datetime IS NULL OR file_name <> 'claims.csv' OR job_id IS NULL) AS missing
       FROM read_parquet(${processed()})`,
    );
    assert.equal(Number(lineage?.missing), 0, 'every row carries its lineage');
    const partitions = await sql(
      `SELECT year, month, CAST(MIN(claim_start_date) AS VARCHAR) AS first, CAST(MAX(claim_start_date) AS VARCHAR) AS last, COUNT(*) AS n
       FROM read_parquet(${processed()}, hive_partitioning = true) GROUP BY ALL`,
    );
    assert.equal(partitions.length, 1);
    assert.equal(Number(partitions[0]?.year), 2025);
    assert.equal(Number(partitions[0]?.month), 10);
    assert.equal(String(partitions[0]?.first).slice(0, 10), '2025-10-01');
    assert.equal(String(partitions[0]?.last).slice(0, 10), '2025-10-31');
    assert.equal(Number(partitions[0]?.n), run.totals.processed_rows);
  });

  it('writes a validation report with the contract fields and per-rule counts', async () => {
    const location = run.files[0]?.validation?.report_location ?? '';
    const report = JSON.parse(await readFile(location, 'utf8'));
    assert.equal(report.validation_status, 'success');
    assert.equal(report.report_location, location);
    assert.deepEqual(report.summary, {
      total_records: 30000,
      valid_records: 30000 - rowsOf('quarantine').length,
      error_records: rowsOf('quarantine').length,
    });
    const counts = Object.fromEntries(
      report.rules.map((r: { rule_id: string; row_count: number }) => [r.rule_id, r.row_count]),
    );
    for (const rule of ['invalid_amount', 'invalid_claim_type', 'claim_start_after_end', 'invalid_date_format']) {
      assert.equal(counts[rule], rowsOf('quarantine').filter((e) => e.rule === rule).length, rule);
    }
    assert.equal(counts.conflicting_duplicate_key, rowsOf('duplicate', 'conflicting_duplicate').length);
    assert.equal(report.duplicates_removed.total, rowsOf('duplicate').length);
  });

  it('publishes aggregations that add up to the processed lines, and a queryable warehouse', async () => {
    const [agg] = await sql(
      `SELECT SUM(line_count) AS lines, SUM(paid_amount) AS paid FROM read_parquet(${lit(join(root, 'processed/aggregations/monthly_by_payer_claim_type/*.parquet'))})`,
    );
    const [lines] = await sql(`SELECT SUM(paid_amount) AS paid FROM read_parquet(${processed()})`);
    assert.equal(Number(agg?.lines), run.totals.processed_rows);
    assert.equal(agg?.paid, lines?.paid);
    const [byProvider] = await sql(
      `SELECT SUM(line_count) AS lines FROM read_parquet(${lit(join(root, 'processed/aggregations/monthly_by_rendering_provider/*.parquet'))})`,
    );
    assert.equal(Number(byProvider?.lines), run.totals.processed_rows);
    assert.equal(await warehouseLineCount(root), run.totals.processed_rows);
  });

  it('archives the input unchanged', async () => {
    const [archived] = await sql(`SELECT file FROM glob(${lit(join(root, 'archive/*/*/claims.csv'))})`);
    assert.deepEqual(await readFile(String(archived?.file)), await readFile(input));
  });

  it('does not duplicate processed rows when the same file runs again', async () => {
    const again = await claimflow('run', input, '--root', root, '--json', '--run-date', '2026-01-31');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(await warehouseLineCount(root), run.totals.processed_rows);
    const [agg] = await sql(
      `SELECT SUM(line_count) AS lines FROM read_parquet(${lit(join(root, 'processed/aggregations/monthly_by_payer_claim_type/*.parquet'))})`,
    );
    assert.equal(Number(agg?.lines), run.totals.processed_rows);
    const [quarantined] = await sql(
      `SELECT COUNT(*) AS n FROM read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))})`,
    );
    assert.equal(Number(quarantined?.n), run.totals.quarantined_rows);
  });
});
