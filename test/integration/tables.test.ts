import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { generateEligibilityFile, generatePharmacyFile, NDC_FORMS } from '../../src/domain/synthetic-tables.ts';
import { claimflow, lit, type RunWithReports, runWithReports, sql, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';

const TUVA = join(SHARED_DIR, 'samples/tuva');
const csv = (name: string): string => `read_csv(${lit(join(TUVA, name))}, all_varchar = true, header = true)`;
const published = (root: string, table: string): string =>
  `read_parquet(${lit(join(root, 'processed', table, '*/*/*.parquet'))}, hive_partitioning = true)`;
const failing = (report: RunWithReports['reports'][string] | undefined): Record<string, number[]> =>
  Object.fromEntries(
    (report?.rules ?? [])
      .filter((r) => r.row_count > 0)
      .map((r) => [r.rule_id, r.samples.map((s) => s.source_row_number)]),
  );

/** What `claimflow query` answers from the warehouse (its views over the published files). */
async function query(root: string, statement: string): Promise<Array<Record<string, unknown>>> {
  const result = await claimflow('query', statement, '--root', root, '--format', 'json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Array<Record<string, unknown>>;
}

describe('pharmacy_claim and eligibility tables from the Tuva seeds', () => {
  let root: string;
  let run: RunWithReports;

  before(async () => {
    root = join(await tempDir('tables-tuva'), 'root');
    const files = ['medical_claim_seed.csv', 'pharmacy_claim_seed.csv', 'eligibility_seed.csv'].map((f) =>
      join(TUVA, f),
    );
    run = await runWithReports(root, files, '--run-date', '2026-11-01');
  });

  it('publishes the pharmacy seed to processed/pharmacy_claim: 291 lines (292 lines less the header, `wc -l`)', async () => {
    const report = run.reports['pharmacy_claim_seed.csv'];
    assert.equal(report?.profile?.table, 'pharmacy_claim');
    assert.deepEqual(report?.summary, { total_records: 291, valid_records: 291, error_records: 0 });
    assert.equal(report?.processed_records, 291);
    const [count] = await sql(`SELECT COUNT(*) AS n FROM ${published(root, 'pharmacy_claim')}`);
    assert.equal(Number(count?.n), 291);
    const [line] = await sql(
      `SELECT ndc_code, CAST(paid_amount AS VARCHAR) AS paid, CAST(allowed_amount AS VARCHAR) AS allowed,
         CAST(dispensing_date AS VARCHAR) AS dispensed, CAST(year AS VARCHAR) AS year, CAST(month AS VARCHAR) AS month, quantity::VARCHAR AS quantity
       FROM ${published(root, 'pharmacy_claim')}
       WHERE claim_id = '10-43a2a6dc-d811-7653-044b-259f346a83db' AND claim_line_number = 2`,
    );
    // The seed's second data line: 50090539602, 783.94 paid, 453.30 allowed, dispensed 2017-10-22.
    assert.deepEqual(line, {
      ndc_code: '50090539602',
      paid: '783.94',
      allowed: '453.30',
      dispensed: '2017-10-22',
      year: '2017',
      month: '10',
      quantity: '1.000',
    });
    const [view] = await query(root, 'SELECT COUNT(*) AS n, SUM(paid_amount)::VARCHAR AS paid FROM pharmacy_claim');
    const [fromCsv] = await sql(
      `SELECT SUM(CAST(paid_amount AS DECIMAL(12,2)))::VARCHAR AS paid FROM ${csv('pharmacy_claim_seed.csv')}`,
    );
    assert.deepEqual(view, { n: 291, paid: fromCsv?.paid });
  });

  it('publishes the eligibility seed to processed/eligibility: 31 spans (32 lines less the header), gaps warned', async () => {
    const report = run.reports['eligibility_seed.csv'];
    assert.equal(report?.profile?.table, 'eligibility');
    assert.equal(report?.processed_records, 31);
    const [count] = await sql(`SELECT COUNT(*) AS n FROM ${published(root, 'eligibility')}`);
    assert.equal(Number(count?.n), 31);
    const [member] = await sql(
      `SELECT gender, CAST(birth_date AS VARCHAR) AS birth, CAST(enrollment_end_date AS VARCHAR) AS ends, state
       FROM ${published(root, 'eligibility')} WHERE person_id = '10'`,
    );
    assert.deepEqual(member, { gender: 'male', birth: '1945-05-16', ends: '2018-10-31', state: 'Wisconsin' });
    // Gaps counted straight from the CSV: a span starting more than a day after the latest earlier end.
    const [gaps] = await sql(`SELECT COUNT(*) AS n FROM (
      SELECT CAST(enrollment_start_date AS DATE) AS s, MAX(CAST(enrollment_end_date AS DATE)) OVER (
        PARTITION BY person_id, payer ORDER BY CAST(enrollment_start_date AS DATE) ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
      FROM ${csv('eligibility_seed.csv')}) WHERE s > prev + 1`);
    assert.equal(Number(gaps?.n), 21);
    assert.deepEqual(
      (report?.rules ?? []).filter((r) => r.row_count > 0).map((r) => [r.rule_id, r.action, r.row_count]),
      [['enrollment_gap', 'warn', 21]],
    );
  });

  it('counts member months and PMPM as plain SQL over the seed CSVs does', async () => {
    // A calendar of month starts, joined to each span that covers any day of the month.
    const calendar = `(SELECT CAST(m AS DATE) AS month_start, CAST(m + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE) AS month_end
      FROM range(DATE '2010-01-01', DATE '2021-01-01', INTERVAL 1 MONTH) t(m))`;
    const memberMonths = `(SELECT DISTINCT e.person_id, e.payer, c.month_start FROM ${csv('eligibility_seed.csv')} e
      JOIN ${calendar} c ON CAST(e.enrollment_start_date AS DATE) <= c.month_end AND CAST(e.enrollment_end_date AS DATE) >= c.month_start)`;
    const [expectedTotal] = await sql(`SELECT COUNT(*) AS n FROM ${memberMonths}`);
    const [total] = await query(root, 'SELECT SUM(member_months) AS n FROM member_months');
    assert.equal(Number(total?.n), Number(expectedTotal?.n));
    assert.ok(Number(total?.n) > 0);
    // Paid: every pharmacy line, and the medical lines published (the 79 with service_unit_quantity 0
    // are quarantined by invalid_units, tuva-samples.test.ts), by service month.
    const paid = `SELECT payer, date_trunc('month', CAST(d AS DATE)) AS month_start, SUM(CAST(p AS DECIMAL(12,2))) AS paid FROM (
        SELECT payer, claim_start_date AS d, paid_amount AS p FROM ${csv('medical_claim_seed.csv')} WHERE service_unit_quantity IS DISTINCT FROM '0'
        UNION ALL SELECT payer, dispensing_date, paid_amount FROM ${csv('pharmacy_claim_seed.csv')}) GROUP BY 1, 2`;
    const expected =
      await sql(`WITH mm AS (SELECT payer, month_start, COUNT(*) AS members FROM ${memberMonths} GROUP BY 1, 2),
      paid AS (${paid})
      SELECT year(mm.month_start) AS year, month(mm.month_start) AS month, mm.payer, mm.members AS member_months,
        CAST(CAST(ROUND(COALESCE(paid.paid, 0) / mm.members, 2) AS DECIMAL(14,2)) AS VARCHAR) AS pmpm
      FROM mm LEFT JOIN paid USING (payer, month_start) ORDER BY 1, 2, 3`);
    const actual = await query(
      root,
      "SELECT year, month, payer, member_months, CAST(pmpm AS VARCHAR) AS pmpm FROM pmpm_by_payer_claim_type WHERE claim_type = 'total' ORDER BY 1, 2, 3",
    );
    assert.ok(expected.length > 12, `${expected.length} payer-months`);
    assert.deepEqual(
      actual.map((r) => [Number(r.year), Number(r.month), r.payer, Number(r.member_months), r.pmpm]),
      expected.map((r) => [Number(r.year), Number(r.month), r.payer, Number(r.member_months), r.pmpm]),
    );
    const [spend] = await query(root, 'SELECT SUM(line_count) AS n FROM pharmacy_spend_monthly');
    assert.equal(Number(spend?.n), 291);
  });

  it('holds the input identity per table in the summary', async () => {
    const result = await claimflow(
      'run',
      join(TUVA, 'pharmacy_claim_seed.csv'),
      join(TUVA, 'eligibility_seed.csv'),
      '--root',
      join(await tempDir('tables-identity'), 'root'),
      '--run-date',
      '2026-11-01',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /eligibility: rows in 31 = processed 31 \+ quarantined 0 \+ duplicates removed 0/);
    assert.match(result.stdout, /pharmacy_claim: rows in 291 = processed 291 \+ quarantined 0 \+ duplicates removed 0/);
  });
});

describe('generated pharmacy and eligibility files with one planted defect per rule', () => {
  let root: string;
  let run: RunWithReports;
  const pharmacy = generatePharmacyFile();
  const eligibility = generateEligibilityFile();

  before(async () => {
    const dir = await tempDir('tables-generated');
    root = join(dir, 'root');
    await writeFile(join(dir, 'generated_pharmacy_claim.csv'), pharmacy.csv);
    await writeFile(join(dir, 'generated_eligibility.csv'), eligibility.csv);
    run = await runWithReports(
      root,
      [join(dir, 'generated_pharmacy_claim.csv'), join(dir, 'generated_eligibility.csv')],
      '--run-date',
      '2026-11-01',
      '--error-threshold',
      '1',
    );
  });

  it('fires exactly the planted pharmacy rules, each on its row, and publishes the clean lines with 11-digit NDCs', async () => {
    const report = run.reports['generated_pharmacy_claim.csv'];
    assert.equal(report?.profile?.table, 'pharmacy_claim');
    const expected: Record<string, number[]> = {};
    for (const [row, rule] of pharmacy.defects) expected[rule] = [row];
    assert.deepEqual(failing(report), expected);
    assert.equal(Object.keys(expected).length, 6);
    const lines = await sql(`SELECT ndc_code FROM ${published(root, 'pharmacy_claim')} ORDER BY source_row_number`);
    assert.deepEqual(
      lines.map((l) => l.ndc_code),
      NDC_FORMS.map(([, eleven]) => eleven),
    );
  });

  it('fires exactly the planted eligibility rules; the exact copy is deduplicated, not an overlap', async () => {
    const report = run.reports['generated_eligibility.csv'];
    assert.equal(report?.profile?.table, 'eligibility');
    const expected: Record<string, number[]> = {};
    for (const [row, rule] of eligibility.defects) expected[rule] = [row];
    assert.deepEqual(failing(report), expected);
    // 11 rows: 3 quarantined (start after end, overlap, no birth date), 1 exact copy dropped, the gap warned.
    assert.deepEqual(report?.summary, { total_records: 11, valid_records: 8, error_records: 3 });
    assert.equal(report?.duplicates_removed.exact, 1);
    assert.equal(report?.processed_records, 7);
    const [count] = await sql(`SELECT COUNT(*) AS n FROM ${published(root, 'eligibility')}`);
    assert.equal(Number(count?.n), 7);
  });
});
