import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROVIDER_RULES } from '../../src/domain/tables/provider-rules.ts';
import { claimflow, lit, type RunWithReports, runPython, runWithReports, sql, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';

/**
 * A week's NPPES data file in CMS's dissemination layout (the 330 columns of the "NPPES Data
 * Dissemination – Readme", Exhibit 2-1 Data File Layout); rows written for the test, NPIs with
 * their check digits (test/fixtures/nppes/README.md).
 */
const NPPES = fileURLToPath(new URL('../fixtures/nppes/npidata_pfile_20250106-20250112.csv', import.meta.url));
const INDEPENDENT_READER = fileURLToPath(new URL('../support/independent_count.py', import.meta.url));

const published = (root: string): string =>
  `read_parquet(${lit(join(root, 'processed/provider/*/*/*.parquet'))}, hive_partitioning = true)`;

/** The NPI check digit as the standard defines it, computed here apart from the SQL rule: Luhn over 80840 and the NPI. */
function hasValidCheckDigit(npi: string): boolean {
  if (!/^[0-9]{10}$/.test(npi)) return false;
  const digits = `80840${npi}`.split('').map(Number).reverse();
  const sum = digits.reduce((s, d, i) => s + (i % 2 === 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
  return sum % 10 === 0;
}

/** The fixture's rows by their data row number (1-based, header not counted), as written. */
const CLEAN = new Map([
  [1, '1234567893'], // individual, the NPI CMS's own NPI documentation uses as its example
  [2, '1649283078'], // hospital, two taxonomies
  [3, '1762045536'], // nurse practitioner whose primary taxonomy is slot 2
  [4, '1857320166'], // pharmacy
  [5, '1908512340'], // dentist
  [6, '1122334455'], // deactivated: only the NPI and its deactivation date, warned
  [7, '1335577999'], // deactivated in 2020, reactivated in 2021: clean
]);
/** Row 8 is an older record of row 1's NPI (last updated 2019, row 1 in 2024). */
const OLDER_COPY_ROW = 8;
const PLANTED: ReadonlyArray<[number, string]> = [
  [9, 'invalid_provider_npi'], // 1456789010: the check digit is 9
  [10, 'invalid_entity_type'], // entity type 3
  [11, 'invalid_taxonomy_code'], // 208D0000X, nine characters
  [12, 'missing_individual_name'], // entity 1, no last name
  [13, 'missing_organization_name'], // entity 2, no legal business name
  [14, 'required_field_missing'], // no NPI
  [15, 'invalid_date_format'], // Last Update Date 13/45/2024
];

describe('an NPPES data file published to the provider table', () => {
  let root: string;
  let run: RunWithReports;

  before(async () => {
    root = join(await tempDir('providers'), 'root');
    // Seven of fifteen rows are planted defects: over the default 5% error rate.
    run = await runWithReports(root, [NPPES], '--run-date', '2026-11-01', '--error-threshold', '1');
  });

  it('reads 15 rows, as Python`s csv module counts them (16 lines less the header), and detects the nppes layout', async () => {
    const [independent] = JSON.parse(
      await runPython(INDEPENDENT_READER, JSON.stringify([{ path: NPPES, format: 'csv' }])),
    ) as Array<{ records: number }>;
    assert.equal(independent?.records, 15);
    const report = run.reports['npidata_pfile_20250106-20250112.csv'];
    assert.deepEqual(
      report?.profile && [report.profile.name, report.profile.layout, report.profile.role, report.profile.table],
      ['nppes', 'npidata', 'providers', 'provider'],
    );
    assert.deepEqual(report?.summary, { total_records: 15, valid_records: 8, error_records: 7 });
    assert.deepEqual(report?.duplicates_removed, { exact: 0, conflicting_key: 1, total: 1 });
    assert.equal(report?.processed_records, 7);
  });

  it('fires each planted provider rule exactly on its row, and warns the one deactivated NPI', () => {
    const report = run.reports['npidata_pfile_20250106-20250112.csv'];
    const catalog = new Set(PROVIDER_RULES.map((r) => r.id));
    const fired = Object.fromEntries(
      (report?.rules ?? [])
        .filter((r) => r.row_count > 0 && catalog.has(r.rule_id))
        .map((r) => [r.rule_id, r.samples.map((s) => s.source_row_number)]),
    );
    const expected: Record<string, number[]> = { deactivated_provider: [6] };
    for (const [row, rule] of PLANTED) expected[rule] = [row];
    assert.deepEqual(fired, expected);
    // Every provider rule but malformed_row and date_out_of_range is planted once.
    assert.equal(Object.keys(expected).length, PROVIDER_RULES.length - 2);
    const sample = report?.rules.find((r) => r.rule_id === 'invalid_taxonomy_code')?.samples[0];
    assert.deepEqual(sample, { source_row_number: 11, claim_id: '1678901236', claim_line_number: null });
  });

  it('publishes the 7 clean NPIs, each with a valid check digit, the latest record of the repeated one kept', async () => {
    for (const npi of CLEAN.values()) assert.ok(hasValidCheckDigit(npi), npi);
    const rows = await sql(
      `SELECT npi, source_row_number, entity_type_code, primary_taxonomy_code, taxonomy_code_1, taxonomy_code_2,
         practice_address_line_1, practice_state, practice_zip_code, CAST(last_updated AS VARCHAR) AS updated,
         CAST(deactivation_date AS VARCHAR) AS deactivated, dq_warnings
       FROM ${published(root)} ORDER BY source_row_number`,
    );
    assert.deepEqual(
      rows.map((r) => [Number(r.source_row_number), r.npi]),
      [...CLEAN],
    );
    const [first, , nurse, , , deactivated, reactivated] = rows;
    // Row 1 (updated 2024-07-08) wins over row 8 (2019-02-14, another address).
    assert.deepEqual(first, {
      npi: '1234567893',
      source_row_number: 1n,
      entity_type_code: '1',
      primary_taxonomy_code: '207Q00000X',
      taxonomy_code_1: '207Q00000X',
      taxonomy_code_2: null,
      practice_address_line_1: '251 E HURON ST',
      practice_state: 'IL',
      practice_zip_code: '606114605',
      updated: '2024-07-08',
      deactivated: null,
      dq_warnings: ['conflicting_duplicate_key'],
    });
    assert.ok(!rows.some((r) => Number(r.source_row_number) === OLDER_COPY_ROW));
    // The primary taxonomy is the slot whose switch is Y, here the second.
    assert.deepEqual(
      [nurse?.taxonomy_code_1, nurse?.taxonomy_code_2, nurse?.primary_taxonomy_code],
      ['163W00000X', '363LF0000X', '363LF0000X'],
    );
    assert.deepEqual(
      [deactivated?.entity_type_code, deactivated?.deactivated, deactivated?.dq_warnings],
      [null, '2019-08-15', ['deactivated_provider']],
    );
    assert.deepEqual(reactivated?.dq_warnings, []);
    // Clean rows carry no warning at all.
    for (const r of rows.filter((r) => [2, 3, 4, 5].includes(Number(r.source_row_number))))
      assert.deepEqual(r.dq_warnings, [], String(r.npi));
  });

  it('quarantines exactly the planted rows, each with its one rule', async () => {
    const rows = await sql(
      `SELECT source_row_number, dq_errors FROM read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))}) ORDER BY 1`,
    );
    assert.deepEqual(
      rows.map((r) => [Number(r.source_row_number), r.dq_errors]),
      PLANTED.map(([row, rule]) => [row, [rule]]),
    );
  });

  it('shows the table in the warehouse as `provider`', async () => {
    const result = await claimflow(
      'query',
      "SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE entity_type_code = '2') AS organizations FROM provider",
      '--root',
      root,
      '--format',
      'json',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), [{ n: 7, organizations: 2 }]);
  });

  it('holds the input identity for the provider table beside another table', async () => {
    const result = await claimflow(
      'run',
      NPPES,
      join(SHARED_DIR, 'samples/tuva/eligibility_seed.csv'),
      '--root',
      join(await tempDir('providers-identity'), 'root'),
      '--run-date',
      '2026-11-01',
      '--error-threshold',
      '1',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /provider: rows in 15 = processed 7 \+ quarantined 7 \+ duplicates removed 1/);
    assert.match(result.stdout, /eligibility: rows in 31 = processed 31 \+ quarantined 0 \+ duplicates removed 0/);
  });
});
