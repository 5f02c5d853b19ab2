import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { claimflow, tempDir } from '../support/cli.ts';
import { failing, publishedLines, runSamples, type SampleRun } from '../support/profile-run.ts';
import { readCsvRecords } from '../support/read-csv.ts';
import { SHARED_DIR } from '../support/shared.ts';

const SAMPLE2 = join(SHARED_DIR, 'samples/synpuf/sample2-first200');
const CARRIER_A = 'DE1_0_2008_to_2010_Carrier_Claims_Sample_2A.csv';
const CARRIER_B = 'DE1_0_2008_to_2010_Carrier_Claims_Sample_2B.csv';
const INPATIENT = 'DE1_0_2008_to_2010_Inpatient_Claims_Sample_2.csv';
const OUTPATIENT = 'DE1_0_2008_to_2010_Outpatient_Claims_Sample_2.csv';
const DRUG_EVENTS = 'DE1_0_2008_to_2010_Prescription_Drug_Events_Sample_2.csv';
const BENEFICIARY_2008 = 'DE1_0_2008_Beneficiary_Summary_File_Sample_2.csv';

type Row = Record<string, string>;
const filled = (value: string | undefined): boolean => (value ?? '').trim() !== '';
const slots = (row: Row, prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => row[`${prefix}_${i + 1}`] ?? '');

/** Lines the profile should make: per claim, its filled HCPCS slots over every segment, or one line. */
function expectedLines(rows: readonly Row[], slotCount: number): { claims: number; lines: number } {
  const codes = new Map<string, number>();
  for (const row of rows) {
    const id = row.CLM_ID ?? '';
    codes.set(id, (codes.get(id) ?? 0) + slots(row, 'HCPCS_CD', slotCount).filter(filled).length);
  }
  return { claims: codes.size, lines: [...codes.values()].reduce((sum, n) => sum + Math.max(n, 1), 0) };
}

/** An NPI that is present and fails: not 10 digits, or the Luhn check over the 80840 prefix. */
function npiFails(value: string | undefined): boolean {
  const npi = (value ?? '').trim();
  if (npi === '') return false;
  if (!/^[0-9]{10}$/.test(npi)) return true;
  const digits = `80840${npi}`.split('').map(Number).reverse();
  const sum = digits.reduce((total, d, i) => total + (i % 2 === 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
  return sum % 10 !== 0;
}

/** Source rules the inpatient layout gives nothing to judge, and the column it never carries. */
const INPATIENT_UNFED: Readonly<Record<string, string>> = {
  missing_bill_type_institutional: 'bill_type_code',
  invalid_bill_type: 'bill_type_code',
  missing_pos_professional: 'place_of_service_code',
  paid_exceeds_allowed: 'allowed_amount',
  paid_before_service: 'paid_date',
  late_claim: 'paid_date',
};

describe('the cms-synpuf profile on DE-SynPUF sample 2 (first 200 rows of each file)', () => {
  let sample: SampleRun;
  const raw = new Map<string, Row[]>();

  before(async () => {
    const files = (await readdir(SAMPLE2)).filter((f) => f.endsWith('.csv')).sort();
    for (const f of files) raw.set(f, await readCsvRecords(join(SAMPLE2, f)));
    // 14 of the 200 drug events (7%) dispense a quantity or days supply of 0, over the default 5%.
    sample = await runSamples(
      files.map((f) => join(SAMPLE2, f)),
      '--error-threshold',
      '0.1',
    );
  });

  it('detects every file and runs them all (exit 0)', () => {
    assert.equal(sample.code, 0, sample.stderr);
    const layouts = Object.fromEntries(
      [...sample.reports].map(([file, r]) => [file, `${r.profile?.name}/${r.profile?.layout}/${r.profile?.role}`]),
    );
    assert.deepEqual(layouts, {
      [BENEFICIARY_2008]: 'cms-synpuf/beneficiary_summary/members',
      [CARRIER_A]: 'cms-synpuf/carrier/claims',
      [CARRIER_B]: 'cms-synpuf/carrier/claims',
      [INPATIENT]: 'cms-synpuf/inpatient/claims',
      [OUTPATIENT]: 'cms-synpuf/outpatient/claims',
      [DRUG_EVENTS]: 'cms-synpuf/prescription_drug_events/pharmacy',
      'DE1_0_2009_Beneficiary_Summary_File_Sample_2.csv': 'cms-synpuf/beneficiary_summary/members',
      'DE1_0_2010_Beneficiary_Summary_File_Sample_2.csv': 'cms-synpuf/beneficiary_summary/members',
    });
  });

  it('unpivots the carrier line slots: one line per filled HCPCS slot (2A: 200 claims, 371 lines; 2B: 200, 369)', async () => {
    const stated = { [CARRIER_A]: { claims: 200, lines: 371 }, [CARRIER_B]: { claims: 200, lines: 369 } };
    for (const [file, figures] of Object.entries(stated)) {
      assert.deepEqual(expectedLines(raw.get(file) ?? [], 13), figures, `${file}: independent count`);
      const report = sample.reports.get(file);
      assert.equal(report?.summary.total_records, figures.lines);
      assert.equal(report?.profile?.source_records, 200);
      const [published] = await publishedLines(
        sample.root,
        file,
        'COUNT(*) AS lines, COUNT(DISTINCT claim_id) AS claims',
        '',
      );
      assert.deepEqual({ claims: Number(published?.claims), lines: Number(published?.lines) }, figures);
    }
  });

  it("puts each carrier slot's NPI, HCPCS and amounts on its line, and the claim's ICD-9 diagnoses on every line", async () => {
    const first = raw.get(CARRIER_A)?.[0] ?? {};
    const lines = await publishedLines(
      sample.root,
      CARRIER_A,
      `claim_id, claim_line_number, hcpcs_code, rendering_npi, CAST(paid_amount AS VARCHAR) AS paid,
       CAST(allowed_amount AS VARCHAR) AS allowed, diagnosis_code_1, diagnosis_code_type`,
    );
    const claim = lines.filter((l) => l.claim_id === first.CLM_ID);
    const expected = slots(first, 'HCPCS_CD', 13)
      .map((code, i) => ({ code, slot: i + 1 }))
      .filter(({ code }) => filled(code))
      .map(({ code, slot }) => ({
        claim_id: first.CLM_ID,
        claim_line_number: slot,
        hcpcs_code: code,
        rendering_npi: first[`PRF_PHYSN_NPI_${slot}`],
        paid: Number(first[`LINE_NCH_PMT_AMT_${slot}`]).toFixed(2),
        allowed: Number(first[`LINE_ALOWD_CHRG_AMT_${slot}`]).toFixed(2),
        diagnosis_code_1: first.ICD9_DGNS_CD_1,
        diagnosis_code_type: 'icd-9-cm',
      }));
    assert.equal(expected.length, 2, 'the first claim (737133358637027) bills 99213 and 99202');
    assert.deepEqual(claim, expected);
  });

  it('merges claim segments: 190 outpatient claims in 200 rows become 1389 lines; 200 inpatient claims, 200 lines', async () => {
    assert.deepEqual(expectedLines(raw.get(OUTPATIENT) ?? [], 45), { claims: 190, lines: 1389 });
    assert.deepEqual(expectedLines(raw.get(INPATIENT) ?? [], 45), { claims: 200, lines: 200 });
    assert.equal(sample.reports.get(OUTPATIENT)?.summary.total_records, 1389);
    assert.equal(sample.reports.get(INPATIENT)?.summary.total_records, 200);
    // A claim in two segments: the header of segment 1, amounts summed, segment 2's codes after slot 45.
    const segments = (raw.get(OUTPATIENT) ?? []).filter((r) => r.CLM_ID === '391012254270682');
    assert.deepEqual(
      segments.map((s) => s.SEGMENT),
      ['2', '1'],
    );
    const segmentOne = segments.find((s) => s.SEGMENT === '1') ?? {};
    const lines = await publishedLines(
      sample.root,
      OUTPATIENT,
      `claim_id, claim_line_number, hcpcs_code, rendering_npi, diagnosis_code_1, CAST(claim_start_date AS VARCHAR) AS start,
       CAST(paid_amount AS VARCHAR) AS paid, CAST(coinsurance_amount AS VARCHAR) AS coinsurance`,
    );
    const claim = lines.filter((l) => l.claim_id === '391012254270682');
    const sum = (column: string): string => segments.reduce((total, s) => total + Number(s[column]), 0).toFixed(2);
    const codes = segments.flatMap((s) =>
      slots(s, 'HCPCS_CD', 45).flatMap((code, i) => (filled(code) ? [(Number(s.SEGMENT) - 1) * 45 + i + 1] : [])),
    );
    assert.deepEqual(
      claim.map((l) => l.claim_line_number),
      codes.sort((a, b) => a - b),
    );
    assert.deepEqual(claim[0], {
      claim_id: '391012254270682',
      claim_line_number: 1,
      hcpcs_code: segmentOne.HCPCS_CD_1,
      rendering_npi: segmentOne.AT_PHYSN_NPI,
      diagnosis_code_1: segmentOne.ICD9_DGNS_CD_1,
      start: '2008-06-09',
      paid: sum('CLM_PMT_AMT'),
      coinsurance: sum('NCH_BENE_PTB_COINSRNC_AMT'),
    });
    assert.deepEqual(
      claim.at(-1),
      { ...claim.at(-1), claim_line_number: 46, hcpcs_code: '82523', start: '2008-06-09', paid: null },
      "segment 2's code is line 46, with segment 1's dates and no claim amount",
    );
  });

  it('flags the diagnoses as ICD-9-CM, so they are not judged as ICD-10-CM', async () => {
    const [shapes] = await publishedLines(
      sample.root,
      INPATIENT,
      `COUNT(*) FILTER (WHERE diagnosis_code_type = 'icd-9-cm') AS icd9,
       COUNT(*) FILTER (WHERE NOT regexp_full_match(diagnosis_code_1, '[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}')) AS not_icd10_shaped`,
      '',
    );
    assert.equal(Number(shapes?.icd9), 200);
    assert.ok(Number(shapes?.not_icd10_shaped) > 100, 'most ICD-9 codes (numeric) would fail an ICD-10-CM check');
    for (const file of [CARRIER_A, INPATIENT, OUTPATIENT]) {
      assert.equal(failing(sample.reports.get(file)).invalid_icd10cm_format, undefined, file);
    }
  });

  it('skips the rules an inpatient file gives nothing to judge: no bill type, so completeness is no longer 0', async () => {
    const rows = raw.get(INPATIENT) ?? [];
    assert.deepEqual(
      Object.keys(rows[0] ?? {}).filter((h) => /BILL|TOB|FAC_TYPE|PLC_SRVC|ALOWD|PD_DT/.test(h)),
      [],
      'the file has no bill type, place of service, allowed amount or paid date',
    );
    const report = sample.reports.get(INPATIENT);
    assert.ok(report);
    for (const [rule, column] of Object.entries(INPATIENT_UNFED)) {
      assert.deepEqual(
        report.skipped_rules.find((s) => s.rule_id === rule),
        { rule_id: rule, reason: `cms-synpuf/inpatient never carries ${column}` },
        rule,
      );
      assert.equal(
        report.rules.find((r) => r.rule_id === rule),
        undefined,
        `${rule} is not run`,
      );
    }
    // Before: missing_bill_type_institutional warned on all 200 lines, so completeness scored 0 (200 failed rows).
    assert.deepEqual(report.quality?.dimensions.completeness, { score: 100, failed_rows: 0 });
    // What is left failing is what the rows hold, counted here from the file (one line per claim).
    const amounts = ['CLM_PMT_AMT', 'NCH_BENE_IP_DDCTBL_AMT', 'NCH_BENE_PTA_COINSRNC_LBLTY_AM'];
    const expected = {
      invalid_npi: rows.filter((r) => npiFails(r.AT_PHYSN_NPI)).length,
      negative_amount: rows.filter((r) => amounts.some((a) => Number(r[a]) < 0)).length,
    };
    assert.deepEqual(expected, { invalid_npi: 182, negative_amount: 1 });
    assert.deepEqual(failing(report), expected);
    assert.deepEqual(report.summary, { total_records: 200, valid_records: 200, error_records: 0 });
    const html = await readFile(report.html_report_location, 'utf8');
    assert.ok(html.includes('cms-synpuf/inpatient never carries bill_type_code'), 'the HTML report lists the skip');
    // Other layouts of the profile carry what they carry: the carrier's allowed amounts are judged.
    assert.ok((failing(sample.reports.get(CARRIER_A)).paid_exceeds_allowed ?? 0) > 0);
  });

  it('names the skipped rules with their source in the terminal summary', async () => {
    const root = join(await tempDir('synpuf-summary'), 'root');
    const result = await claimflow('validate', join(SAMPLE2, INPATIENT), '--root', root, '--run-date', '2026-11-01');
    assert.equal(result.code, 0, result.stderr);
    const line = result.stdout.split('\n').find((l) => l.includes('cms-synpuf/inpatient never carries'));
    assert.match(line ?? '', /^ {2}rules skipped, cms-synpuf\/inpatient never carries their columns: 14 \(/);
    for (const rule of Object.keys(INPATIENT_UNFED)) assert.ok(line?.includes(rule), rule);
    // Giving a list would not make these run: they are not among the code-set rules wanting --refdata.
    const wanting = result.stdout.split('\n').find((l) => l.includes('code-set rules skipped')) ?? '';
    assert.ok(!wanting.includes('invalid_bill_type'), wanting);
  });

  it("warns on DE-SynPUF's synthetic NPIs instead of quarantining their claims", () => {
    const report = sample.reports.get(CARRIER_A);
    assert.equal(report?.rules.find((r) => r.rule_id === 'invalid_npi')?.action, 'warn');
    assert.ok((failing(report).invalid_npi ?? 0) > 300);
    assert.equal(report?.summary.error_records, 0);
  });

  it('joins the beneficiary files beside each claim file for birth date, gender and age', async () => {
    assert.deepEqual(sample.reports.get(CARRIER_B)?.profile?.companions, [
      {
        name: 'beneficiary',
        files: [
          BENEFICIARY_2008,
          'DE1_0_2009_Beneficiary_Summary_File_Sample_2.csv',
          'DE1_0_2010_Beneficiary_Summary_File_Sample_2.csv',
        ],
      },
    ]);
    const beneficiaries = [...raw].filter(([file]) => file.includes('Beneficiary')).flatMap(([, rows]) => rows);
    const members = new Map(beneficiaries.map((b) => [b.DESYNPUF_ID, b]));
    const lines = [CARRIER_A, INPATIENT].map((file) =>
      publishedLines(sample.root, file, 'person_id, CAST(birth_date AS VARCHAR) AS birth, gender, age_at_service'),
    );
    let joined = 0;
    for (const line of (await Promise.all(lines)).flat()) {
      const member = members.get(String(line.person_id));
      // The first 200 rows of each file do not cover every beneficiary: those lines have no demographics.
      const dob = member?.BENE_BIRTH_DT;
      assert.equal(line.birth, dob ? `${dob.slice(0, 4)}-${dob.slice(4, 6)}-${dob.slice(6, 8)}` : null);
      assert.equal(line.gender, member ? { '1': 'male', '2': 'female' }[member.BENE_SEX_IDENT_CD ?? ''] : null);
      if (member) {
        joined++;
        assert.ok(line.age_at_service !== null && Number(line.age_at_service) >= 0, 'the age is enriched');
      }
    }
    // Carrier 2A: both beneficiaries (371 lines); inpatient: 57 of its 117 beneficiaries are in the files.
    assert.ok(joined > 371, `${joined} lines have their beneficiary`);
  });

  it('publishes beneficiary-years with coverage to eligibility and drug events to pharmacy_claim', async () => {
    const beneficiary = sample.reports.get(BENEFICIARY_2008);
    const covered = (raw.get(BENEFICIARY_2008) ?? []).filter((r) =>
      ['BENE_HI_CVRAGE_TOT_MONS', 'BENE_SMI_CVRAGE_TOT_MONS', 'BENE_HMO_CVRAGE_TOT_MONS', 'PLAN_CVRG_MOS_NUM'].some(
        (c) => Number(r[c]) > 0,
      ),
    ).length;
    assert.equal(covered, 195, 'five of the 200 beneficiaries have no month of coverage in 2008');
    assert.equal(beneficiary?.profile?.table, 'eligibility');
    assert.deepEqual(beneficiary?.summary, { total_records: 195, valid_records: 195, error_records: 0 });
    const drugs = sample.reports.get(DRUG_EVENTS);
    assert.equal(drugs?.profile?.table, 'pharmacy_claim');
    const rows = raw.get(DRUG_EVENTS) ?? [];
    const zeroQuantity = rows.filter((r) => Number(r.QTY_DSPNSD_NUM) <= 0).length;
    const zeroDays = rows.filter((r) => Number(r.DAYS_SUPLY_NUM) <= 0).length;
    assert.deepEqual([zeroQuantity, zeroDays], [8, 6], 'eight events dispense a quantity of 0, six for 0 days');
    assert.deepEqual(failing(drugs), { invalid_quantity: 8, invalid_days_supply: 6 });
    const published = sample.run.files.filter((f) => f.processed_records > 0).map((f) => f.file.split('/').pop());
    assert.deepEqual(published, [...raw.keys()], 'every file publishes to its table');
  });
});

describe("the cms-synpuf profile on OHDSI's reshaped copies (input/)", () => {
  it('reads the stacked beneficiary_summary.csv beside carrier_claims.csv', async () => {
    const folder = join(SHARED_DIR, 'samples/synpuf/ohdsi-tiny/input');
    const carrier = await readCsvRecords(join(folder, 'carrier_claims.csv'));
    const stated = { claims: 2, lines: 4 };
    assert.deepEqual(expectedLines(carrier, 13), stated);
    const sample = await runSamples([join(folder, 'carrier_claims.csv')]);
    assert.equal(sample.code, 0, sample.stderr);
    const report = sample.reports.get('carrier_claims.csv');
    assert.equal(report?.summary.total_records, stated.lines);
    assert.deepEqual(report?.profile?.companions, [{ name: 'beneficiary', files: ['beneficiary_summary.csv'] }]);
    const lines = await publishedLines(sample.root, 'carrier_claims.csv', 'DISTINCT person_id, gender', 'person_id');
    assert.deepEqual(lines, [
      { person_id: '0002056B40CEE448', gender: 'female' },
      { person_id: '0004D03F1BD5E607', gender: 'male' },
    ]);
  });
});
