import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { claimflow, lit, type RunWithReports, runWithReports, sql, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';

const SYNPUF = join(SHARED_DIR, 'samples/synpuf/sample2-first200');
const OHDSI = join(SHARED_DIR, 'samples/synpuf/ohdsi-tiny/input');
const SYNTHEA = join(SHARED_DIR, 'samples/synthea/csv');
const BUNDLE = 'Rodrigo242_Grady603_9f39bf35-ea79-4383-4eb1-36c43280dff2.json';
const DRUG_EVENTS = 'DE1_0_2008_to_2010_Prescription_Drug_Events_Sample_2.csv';
const beneficiaries = (year: number): string => `DE1_0_${year}_Beneficiary_Summary_File_Sample_2.csv`;

/** A second reader over the published Parquet files of a table. */
const published = (root: string, table: string): string =>
  `read_parquet(${lit(join(root, 'processed', table, '*/*/*.parquet'))}, hive_partitioning = true)`;

const countOf = async (relation: string, where = 'TRUE'): Promise<number> =>
  Number((await sql(`SELECT COUNT(*) AS n FROM ${relation} WHERE ${where}`))[0]?.n);

const figures = (report: RunWithReports['reports'][string] | undefined) => ({
  table: report?.profile?.table,
  layout: report?.profile?.layout,
  ...report?.summary,
  processed: report?.processed_records,
  duplicates: report?.duplicates_removed.total,
});

describe('SynPUF drug events to pharmacy_claim and beneficiary summaries to eligibility', () => {
  let root: string;
  let run: RunWithReports;

  before(async () => {
    root = join(await tempDir('table-sources-synpuf'), 'root');
    const files = [
      join(SYNPUF, DRUG_EVENTS),
      ...[2008, 2009, 2010].map((y) => join(SYNPUF, beneficiaries(y))),
      join(OHDSI, 'beneficiary_summary.csv'),
    ];
    // The drug events' 14 bad rows (7%) are over the default 5%: let them be quarantined, not the file.
    run = await runWithReports(root, files, '--run-date', '2026-11-01', '--error-threshold', '0.1');
  });

  it('publishes the 200 drug events (201 lines less the header, `wc -l`): 186 lines, 14 quarantined', async () => {
    // `awk -F, 'NR>1 && ($5+0<=0 || $6+0<1)'` finds 14 events: 8 with quantity 0, 6 with 0 days supply.
    assert.deepEqual(figures(run.reports[DRUG_EVENTS]), {
      table: 'pharmacy_claim',
      layout: 'prescription_drug_events',
      total_records: 200,
      valid_records: 186,
      error_records: 14,
      processed: 186,
      duplicates: 0,
    });
    assert.equal(await countOf(published(root, 'pharmacy_claim')), 186);
    // The file's first data line: 00000B48BCF4AD29,83224466404678,20100207,00185010401,30.000,30,0.00,10.00
    const [line] = await sql(
      `SELECT person_id, claim_line_number, CAST(dispensing_date AS VARCHAR) AS dispensed, ndc_code,
         CAST(quantity AS VARCHAR) AS quantity, days_supply, CAST(allowed_amount AS VARCHAR) AS allowed,
         CAST(copayment_amount AS VARCHAR) AS copay, payer, CAST(year AS VARCHAR) AS year
       FROM ${published(root, 'pharmacy_claim')} WHERE claim_id = '83224466404678'`,
    );
    assert.deepEqual(line, {
      person_id: '00000B48BCF4AD29',
      claim_line_number: 1,
      dispensed: '2010-02-07',
      ndc_code: '00185010401',
      quantity: '30.000',
      days_supply: 30,
      allowed: '10.00',
      copay: '0.00',
      payer: 'medicare',
      year: '2010',
    });
  });

  it('publishes one span per beneficiary-year with coverage: 195, 189 and 185 of 200, and 6 of the stacked copy', async () => {
    // `awk -F, 'FNR>1 && ($9+0>0 || $10+0>0 || $11+0>0 || $12+0>0)'` per file: 195, 189, 185
    // (5, 11 and 15 beneficiaries have no month of Part A, B, HMO or D coverage that year).
    const expected: Record<string, number> = {
      [beneficiaries(2008)]: 195,
      [beneficiaries(2009)]: 189,
      [beneficiaries(2010)]: 185,
      'beneficiary_summary.csv': 6,
    };
    for (const [file, spans] of Object.entries(expected)) {
      const report = run.reports[file];
      assert.equal(report?.profile?.table, 'eligibility', file);
      assert.deepEqual(report?.summary, { total_records: spans, valid_records: spans, error_records: 0 }, file);
      assert.equal(report?.processed_records, spans, file);
      assert.equal(await countOf(published(root, 'eligibility'), `file_name = ${lit(file)}`), spans, file);
    }
    assert.equal(run.reports['beneficiary_summary.csv']?.profile?.layout, 'beneficiary_summary_stacked');
    const spans = await sql(
      `SELECT person_id, CAST(enrollment_start_date AS VARCHAR) AS starts, CAST(enrollment_end_date AS VARCHAR) AS ends,
         gender, CAST(birth_date AS VARCHAR) AS birth, race, payer, plan, death_flag
       FROM ${published(root, 'eligibility')}
       WHERE person_id IN ('0056EA72590C0740', '004F34A4D8CDF019', '0018A1975BC0EE4F', '00000B48BCF4AD29')
         AND file_name <> 'beneficiary_summary.csv'
       ORDER BY person_id, starts`,
    );
    // From the files (the largest of columns 9-12): 00000B48BCF4AD29 (born 19230901, sex 2, race 5)
    // 12 months each year; 0018A1975BC0EE4F 12, 3 and 0 (no span in 2010); 004F34A4D8CDF019 6, 12
    // and 12; 0056EA72590C0740 1 month in 2008 and none after.
    const ofPerson = (id: string) => spans.filter((s) => s.person_id === id).map((s) => [s.starts, s.ends]);
    assert.deepEqual(ofPerson('00000B48BCF4AD29'), [
      ['2008-01-01', '2008-12-31'],
      ['2009-01-01', '2009-12-31'],
      ['2010-01-01', '2010-12-31'],
    ]);
    assert.deepEqual(ofPerson('0018A1975BC0EE4F'), [
      ['2008-01-01', '2008-12-31'],
      ['2009-01-01', '2009-03-31'],
    ]);
    assert.deepEqual(ofPerson('004F34A4D8CDF019'), [
      ['2008-01-01', '2008-06-30'],
      ['2009-01-01', '2009-12-31'],
      ['2010-01-01', '2010-12-31'],
    ]);
    assert.deepEqual(ofPerson('0056EA72590C0740'), [['2008-01-01', '2008-01-31']]);
    const { person_id: _, starts: __, ends: ___, ...member } = spans[0] ?? {};
    assert.deepEqual(member, {
      gender: 'female',
      birth: '1923-09-01',
      race: 'hispanic',
      payer: 'medicare',
      plan: 'medicare',
      death_flag: 0,
    });
  });

  it('counts the coverage months as member months: 6,836 (awk over the four month counts)', async () => {
    // `awk -F, 'FNR>1{m=max($9,$10,$11,$12); s+=m}'` over the three year files: 6,764; the stacked
    // copy (columns shifted by YEAR): 72, six beneficiary-years of 12 months.
    const [months] = await sql(
      `SELECT SUM(member_months) AS n FROM read_parquet(${lit(join(root, 'processed/aggregations/member_months/*.parquet'))})`,
    );
    assert.equal(Number(months?.n), 6836);
  });

  it('holds the input identity per table', async () => {
    const result = await claimflow(
      'run',
      join(SYNPUF, DRUG_EVENTS),
      join(SYNPUF, beneficiaries(2009)),
      '--root',
      join(await tempDir('table-sources-identity'), 'root'),
      '--run-date',
      '2026-11-01',
      '--error-threshold',
      '0.1',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /eligibility: rows in 189 = processed 189 \+ quarantined 0 \+ duplicates removed 0/);
    assert.match(
      result.stdout,
      /pharmacy_claim: rows in 200 = processed 186 \+ quarantined 14 \+ duplicates removed 0/,
    );
  });
});

describe('Synthea payer_transitions.csv to eligibility', () => {
  let root: string;
  let run: RunWithReports;

  before(async () => {
    root = join(await tempDir('table-sources-synthea'), 'root');
    run = await runWithReports(root, [join(SYNTHEA, 'payer_transitions.csv')], '--run-date', '2026-11-01');
  });

  it('publishes its 128 spans (129 lines less the header, `wc -l`), the 9 gaps warned', async () => {
    const report = run.reports['payer_transitions.csv'];
    assert.deepEqual(figures(report), {
      table: 'eligibility',
      layout: 'payer_transitions',
      total_records: 128,
      valid_records: 128,
      error_records: 0,
      processed: 128,
      duplicates: 0,
    });
    assert.deepEqual(report?.profile?.companions, [
      { name: 'patients', files: ['patients.csv'] },
      { name: 'payers', files: ['payers.csv'] },
    ]);
    assert.equal(await countOf(published(root, 'eligibility')), 128);
    // Gaps counted over the CSV itself: per patient and payer, a START_DATE later than the END_DATE
    // of the span before (105 spans start at the very timestamp the one before ends: no gap).
    const [gaps] = await sql(`SELECT COUNT(*) AS n FROM (
      SELECT START_DATE AS s, LAG(END_DATE) OVER (PARTITION BY PATIENT, PAYER ORDER BY START_DATE) AS prev
      FROM read_csv(${lit(join(SYNTHEA, 'payer_transitions.csv'))}, all_varchar = true, header = true)) WHERE s > prev`);
    assert.equal(Number(gaps?.n), 9);
    assert.deepEqual(
      (report?.rules ?? []).filter((r) => r.row_count > 0).map((r) => [r.rule_id, r.row_count]),
      [['enrollment_gap', 9]],
    );
  });

  it('ends each span the day before the next starts, with the payer and demographics of the files beside it', async () => {
    // The file's first two lines: 2013-03-22T18:34:30Z to 2014-03-21T18:34:30Z, then from 2014-03-21T18:34:30Z,
    // payer df166300-... (Medicaid in payers.csv); patients.csv: born 2011-03-18, F, white, Walpole MA 02081.
    const spans = await sql(
      `SELECT member_id, CAST(enrollment_start_date AS VARCHAR) AS starts, CAST(enrollment_end_date AS VARCHAR) AS ends,
         payer, gender, CAST(birth_date AS VARCHAR) AS birth, race, ethnicity, zip_code, subscriber_relation
       FROM ${published(root, 'eligibility')} WHERE person_id = 'b37f7960-7e9e-f3f7-f891-79ae4f632406'
       ORDER BY starts LIMIT 2`,
    );
    const common = {
      payer: 'Medicaid',
      gender: 'female',
      birth: '2011-03-18',
      race: 'white',
      ethnicity: 'nonhispanic',
      zip_code: '02081',
      subscriber_relation: 'Self',
    };
    assert.deepEqual(spans, [
      { member_id: '76ce9c03-ee1d-03f5-ec3b-2ce93093b600', starts: '2013-03-22', ends: '2014-03-20', ...common },
      { member_id: 'd70f51e2-3124-753f-0c3f-94c1d2ded1ab', starts: '2014-03-21', ends: '2015-03-19', ...common },
    ]);
  });
});

describe('a FHIR bundle with pharmacy ExplanationOfBenefits: one job per table', () => {
  let root: string;
  let result: Awaited<ReturnType<typeof claimflow>>;
  let reports: Array<RunWithReports['reports'][string]>;

  before(async () => {
    root = join(await tempDir('table-sources-fhir'), 'root');
    // The medical lines' amounts break invalid_amount on 35 rows (28%): publish the rest rather than reject.
    result = await claimflow(
      'run',
      join(SHARED_DIR, 'samples/synthea/fhir', BUNDLE),
      '--root',
      root,
      '--run-date',
      '2026-11-01',
      '--error-threshold',
      '1',
      '--json',
    );
    const run = JSON.parse(result.stdout) as { files: Array<{ validation?: { report_location?: string } }> };
    reports = await Promise.all(
      run.files.map(async (f) => JSON.parse(await readFile(f.validation?.report_location ?? '', 'utf8'))),
    );
  });

  it('counts its claims of each type independently of the converter: 4 pharmacy EOBs of 1 item, 126 medical items', async () => {
    const bundle = JSON.parse(await readFile(join(SHARED_DIR, 'samples/synthea/fhir', BUNDLE), 'utf8')) as {
      entry: Array<{
        resource: { resourceType: string; type?: { coding: Array<{ code: string }> }; item?: unknown[] };
      }>;
    };
    const eobs = bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === 'ExplanationOfBenefit');
    const items = (pharmacy: boolean): number =>
      eobs
        .filter((r) => (r.type?.coding[0]?.code === 'pharmacy') === pharmacy)
        .reduce((n, r) => n + (r.item?.length ?? 0), 0);
    assert.deepEqual([items(true), items(false)], [4, 126]);
  });

  it('publishes the 4 pharmacy lines to pharmacy_claim and the 126 medical lines to medical_claim', async () => {
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      reports.map((r) => [
        r.profile?.layout,
        r.profile?.table,
        r.profile?.conversion?.lines,
        r.profile?.conversion?.other_tables,
      ]),
      [
        ['claim_lines', 'medical_claim', 126, { pharmacy_claim: 4 }],
        ['pharmacy_lines', 'pharmacy_claim', 4, { medical_claim: 26 }],
      ],
    );
    assert.equal(await countOf(published(root, 'pharmacy_claim')), 4);
    const [pharmacy] = await sql(
      `SELECT person_id, payer, prescribing_provider_npi AS prescriber, CAST(dispensing_date AS VARCHAR) AS dispensed,
         CAST(charge_amount AS VARCHAR) AS charge, CAST(paid_amount AS VARCHAR) AS paid
       FROM ${published(root, 'pharmacy_claim')} WHERE claim_id = 'd51e812e-3a9c-78f0-8fb0-8a2c58e0f5d8'`,
    );
    // The bundle's first pharmacy EOB: Humana, primary care team NPI 9999899898, item period from
    // 2017-02-14, total submitted 122.75, payment 0.0.
    assert.deepEqual(pharmacy, {
      person_id: '9f39bf35-ea79-4383-4eb1-36c43280dff2',
      payer: 'Humana',
      prescriber: '9999899898',
      dispensed: '2017-02-14',
      charge: '122.75',
      paid: '0.00',
    });
    const claims = `read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))}, union_by_name = true)`;
    assert.equal(await countOf(claims, "claim_type = 'pharmacy'"), 0, 'no pharmacy line in medical_claim');
    assert.equal(reports[0]?.rules.find((r) => r.rule_id === 'invalid_claim_type')?.row_count ?? 0, 0);
  });

  it('holds the input identity per table', () => {
    type Totals = { input_rows: number; processed_rows: number; quarantined_rows: number; duplicates_removed: number };
    const summary = JSON.parse(result.stdout) as { totals_by_table: Record<string, Totals> };
    const identity = (t: Totals | undefined) =>
      t && [t.input_rows, t.processed_rows + t.quarantined_rows + t.duplicates_removed];
    assert.deepEqual(identity(summary.totals_by_table.pharmacy_claim), [4, 4]);
    assert.deepEqual(identity(summary.totals_by_table.medical_claim), [126, 126]);
    assert.equal(summary.totals_by_table.pharmacy_claim?.processed_rows, 4);
  });
});

describe('an X12 834 benefit enrollment to eligibility (hand-written 005010X220A1 fixture)', () => {
  const fixture = fileURLToPath(new URL('../fixtures/x12/834_005010X220A1_enrollment.834', import.meta.url));
  let root: string;
  let result: Awaited<ReturnType<typeof claimflow>>;
  let run: RunWithReports;

  before(async () => {
    root = join(await tempDir('table-sources-834'), 'root');
    // One of four spans is quarantined (25%): publish the others rather than reject the file.
    const flags = ['--run-date', '2026-11-01', '--error-threshold', '1'];
    run = await runWithReports(root, [fixture], ...flags);
    result = await claimflow('run', fixture, '--root', join(root, 'again'), ...flags);
  });

  it('publishes one span per member coverage: 4 HD loops of 3 INS members, the open-ended one quarantined', async () => {
    const text = await readFile(fixture, 'utf8');
    // Counted in the text: 3 INS segments, 4 HD segments, 3 DTP*349 (one coverage has no end).
    const count = (segment: string): number => text.split('~').filter((s) => s.trim().startsWith(segment)).length;
    assert.deepEqual([count('INS*'), count('HD*'), count('DTP*349*')], [3, 4, 3]);
    const report = run.reports['834_005010X220A1_enrollment.834'];
    assert.deepEqual(
      [report?.profile?.name, report?.profile?.layout, report?.profile?.table, report?.profile?.conversion?.lines],
      ['x12-837', 'enrollment_spans', 'eligibility', 4],
    );
    assert.deepEqual(report?.summary, { total_records: 4, valid_records: 3, error_records: 1 });
    assert.deepEqual(
      (report?.rules ?? []).filter((r) => r.row_count > 0).map((r) => [r.rule_id, r.row_count]),
      [['required_field_missing', 1]],
    );
    assert.equal(await countOf(published(root, 'eligibility')), 3);
    const [spouse] = await sql(
      `SELECT subscriber_id, subscriber_relation, gender, CAST(birth_date AS VARCHAR) AS birth, payer, plan,
         CAST(enrollment_start_date AS VARCHAR) AS starts, CAST(enrollment_end_date AS VARCHAR) AS ends
       FROM ${published(root, 'eligibility')} WHERE first_name = 'JANE'`,
    );
    // The second INS loop: INS*N*01 (spouse), DMG*D8*19820310*F, HD*021**HLT*PPO GOLD, DTP*348/349 2024.
    assert.deepEqual(spouse, {
      subscriber_id: 'SUB0001',
      subscriber_relation: 'spouse',
      gender: 'female',
      birth: '1982-03-10',
      payer: 'SAMPLE HEALTH PLAN',
      plan: 'PPO GOLD',
      starts: '2024-01-01',
      ends: '2024-12-31',
    });
  });

  it('holds the input identity', () => {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /rows in 4, valid 3, quarantined 1, duplicates removed 0, processed 3/);
  });
});
