import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { claimflow, type RunJson, sql, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';

/**
 * The Tuva Project's synthetic seeds, run with the reference data. Every count in the
 * reports is explained here, so a change in behaviour on real-format data shows up.
 */
describe('the Tuva sample files with reference data', () => {
  const tuva = join(SHARED_DIR, 'samples/tuva');
  let root: string;
  let run: RunJson;
  let exitCode: number;
  let stderr: string;
  const reports: Record<
    string,
    {
      summary: Record<string, number>;
      rules: Array<{ rule_id: string; row_count: number }>;
      profile?: { name: string; layout: string; published: boolean };
    }
  > = {};
  const counts = (name: string) =>
    Object.fromEntries(
      (reports[name]?.rules ?? []).filter((r) => r.row_count > 0).map((r) => [r.rule_id, r.row_count]),
    );

  before(async () => {
    root = join(await tempDir('tuva'), 'root');
    const files = ['medical_claim_seed.csv', 'pharmacy_claim_seed.csv', 'eligibility_seed.csv'].map((f) =>
      join(tuva, f),
    );
    const refdata = join(SHARED_DIR, 'refdata');
    const result = await claimflow(
      'run',
      ...files,
      '--root',
      root,
      '--refdata',
      refdata,
      '--run-date',
      '2026-11-01',
      '--json',
    );
    exitCode = result.code;
    stderr = result.stderr;
    run = JSON.parse(result.stdout) as RunJson;
    for (const f of run.files) {
      reports[f.file.split('/').pop() ?? ''] = JSON.parse(await readFile(f.validation?.report_location ?? '', 'utf8'));
    }
  });

  it('publishes the medical claims: 2075 lines, 79 quarantined, 1996 processed', () => {
    const medical = run.files.find((f) => f.file.endsWith('medical_claim_seed.csv'));
    assert.equal(medical?.status, 'SUCCEEDED');
    assert.deepEqual(medical?.validation?.summary, { total_records: 2075, valid_records: 1996, error_records: 79 });
    assert.equal(medical?.processed_records, 1996);
    assert.deepEqual(medical?.duplicates_removed, { exact: 0, conflicting_key: 0, total: 0 });
  });

  it('explains every medical rule count', async () => {
    assert.deepEqual(counts('medical_claim_seed.csv'), {
      // 79 lines bill zero service units; a line must bill at least one unit.
      invalid_units: 79,
      // CCLF lines where the paid amount is above the allowed amount (warned, kept).
      paid_exceeds_allowed: 96,
      // Codes retired as billable in FY2022 when they were subdivided (M54.5, N18.3, R05, I48.1 ...).
      unknown_icd10cm_code: 230,
      // No line is late: service dates of 2016-2018 are old, but timeliness is judged from the
      // claim's own dates, and the medical seed has no paid_date to measure a delay by.
    });
    const zeroUnits = await sql(
      `SELECT DISTINCT service_unit_quantity AS units FROM read_parquet('${join(root, 'quarantine/rows/*.parquet')}')`,
    );
    assert.deepEqual(zeroUnits, [{ units: '0' }]);
    const [split] = await sql(
      `SELECT COUNT(*) AS n FROM read_parquet('${join(root, 'processed/claims/*/*/*.parquet')}')
       WHERE list_contains(dq_warnings, 'unknown_icd10cm_code') AND 'M545' IN (diagnosis_code_1, diagnosis_code_2, diagnosis_code_3, diagnosis_code_4)`,
    );
    assert.ok(Number(split?.n) > 0, 'M545 (low back pain, split into M54.50-M54.59 in FY2022) is among them');
  });

  it('reads the pharmacy and eligibility seeds with the tuva profile and publishes each to its own table', async () => {
    assert.equal(exitCode, 0, stderr);
    const profileOf = (name: string) => reports[name]?.profile;
    assert.deepEqual(
      ['medical_claim_seed.csv', 'pharmacy_claim_seed.csv', 'eligibility_seed.csv'].map((n) => [
        profileOf(n)?.name,
        profileOf(n)?.layout,
        profileOf(n)?.published,
      ]),
      [
        ['tuva', 'medical_claim', true],
        ['tuva', 'pharmacy_claim', true],
        ['tuva', 'eligibility', true],
      ],
    );
    // Pharmacy lines run the pharmacy catalog: every NDC is 11 digits, the NPIs are empty, quantities
    // and days supply (where given) in range, each paid on its dispensing date.
    assert.deepEqual(counts('pharmacy_claim_seed.csv'), {});
    assert.deepEqual(reports['pharmacy_claim_seed.csv']?.summary, {
      total_records: 291,
      valid_records: 291,
      error_records: 0,
    });
    // Eligibility spans carry birth dates and genders; 21 spans start after a month or more without
    // coverage (a warning, tables.test.ts counts them independently).
    assert.deepEqual(counts('eligibility_seed.csv'), { enrollment_gap: 21 });
    assert.equal(run.files.find((f) => f.file.endsWith('eligibility_seed.csv'))?.processed_records, 31);
    const [published] = await sql(
      `SELECT COUNT(DISTINCT file_name) AS files FROM read_parquet('${join(root, 'processed/claims/*/*/*.parquet')}')`,
    );
    assert.equal(Number(published?.files), 1, 'only the medical claims are in processed/claims');
  });
});
