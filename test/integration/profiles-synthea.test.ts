import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { tempDir } from '../support/cli.ts';
import { failing, publishedLines, runSamples, type SampleRun } from '../support/profile-run.ts';
import { readCsvRecords } from '../support/read-csv.ts';
import { SHARED_DIR } from '../support/shared.ts';

const CSV = join(SHARED_DIR, 'samples/synthea/csv');
const FILES = [
  'claims.csv',
  'claims_transactions.csv',
  'organizations.csv',
  'patients.csv',
  'payer_transitions.csv',
  'payers.csv',
  'providers.csv',
];
type Row = Record<string, string>;

/**
 * Each charge's payer payment and copay, by a walk over the transactions in CHARGEID order: a
 * transaction belongs to the last charge before it in its claim; payments other than COPAY count
 * as the payer's until the balance is transferred to the patient.
 */
function chargePayments(
  transactions: readonly Row[],
): Map<string, { line: number; paid: number; copay: number | null }> {
  const byCharge = new Map<string, { line: number; paid: number; copay: number | null }>();
  const ordered = [...transactions].sort((a, b) => Number(a.CHARGEID) - Number(b.CHARGEID));
  const state = new Map<string, { key: string; lines: number; toPatient: boolean }>();
  for (const t of ordered) {
    const claim = t.CLAIMID ?? '';
    if (t.TYPE === 'CHARGE') {
      const lines = (state.get(claim)?.lines ?? 0) + 1;
      const key = `${claim}|${t.CHARGEID}`;
      state.set(claim, { key, lines, toPatient: false });
      byCharge.set(key, { line: lines, paid: 0, copay: null });
      continue;
    }
    const current = state.get(claim);
    const charge = current && byCharge.get(current.key);
    if (!current || !charge) continue;
    if (t.TYPE === 'TRANSFERIN' && t.TRANSFERTYPE === 'p') current.toPatient = true;
    if (t.TYPE !== 'PAYMENT') continue;
    if (t.METHOD === 'COPAY') charge.copay = (charge.copay ?? 0) + Number(t.PAYMENTS);
    else if (!current.toPatient) charge.paid += Number(t.PAYMENTS);
  }
  return byCharge;
}

describe('the synthea profile on a Synthea CSV export', () => {
  let sample: SampleRun;
  let transactions: Row[];
  let claims: Map<string, Row>;

  before(async () => {
    transactions = await readCsvRecords(join(CSV, 'claims_transactions.csv'));
    claims = new Map((await readCsvRecords(join(CSV, 'claims.csv'))).map((c) => [c.Id ?? '', c]));
    sample = await runSamples(FILES.map((f) => join(CSV, f)));
  });

  it('detects every file: the transactions carry the lines, the others feed them or are reference data', () => {
    assert.equal(sample.code, 0, sample.stderr);
    assert.deepEqual(
      FILES.map((f) => [f, sample.reports.get(f)?.profile?.layout, sample.reports.get(f)?.profile?.role]),
      [
        ['claims.csv', 'claims', 'reference'],
        ['claims_transactions.csv', 'claims_transactions', 'claims'],
        ['organizations.csv', 'organizations', 'reference'],
        ['patients.csv', 'patients', 'members'],
        ['payer_transitions.csv', 'payer_transitions', 'members'],
        ['payers.csv', 'payers', 'reference'],
        ['providers.csv', 'providers', 'reference'],
      ],
    );
    assert.deepEqual(
      sample.run.files.filter((f) => f.processed_records > 0).map((f) => f.file.split('/').pop()),
      ['claims_transactions.csv', 'payer_transitions.csv'],
    );
    assert.equal(sample.reports.get('payer_transitions.csv')?.profile?.table, 'eligibility');
  });

  it('makes one line per CHARGE: 1579 lines of 561 claims from 5567 transactions', async () => {
    const charges = transactions.filter((t) => t.TYPE === 'CHARGE');
    const stated = { transactions: 5567, lines: 1579, claims: 561 };
    assert.deepEqual(
      { transactions: transactions.length, lines: charges.length, claims: new Set(charges.map((c) => c.CLAIMID)).size },
      stated,
    );
    const report = sample.reports.get('claims_transactions.csv');
    assert.equal(report?.profile?.source_records, stated.transactions);
    assert.deepEqual(report?.summary, { total_records: stated.lines, valid_records: stated.lines, error_records: 0 });
    const [published] = await publishedLines(
      sample.root,
      'claims_transactions.csv',
      'COUNT(*) AS lines, COUNT(DISTINCT claim_id) AS claims',
      '',
    );
    assert.deepEqual(
      { lines: Number(published?.lines), claims: Number(published?.claims) },
      { lines: 1579, claims: 561 },
    );
  });

  it("gives every line its charge, the payer's payment and the copay, matching a walk over the transactions", async () => {
    const expected = chargePayments(transactions);
    const charges = transactions.filter((t) => t.TYPE === 'CHARGE');
    const lines = await publishedLines(
      sample.root,
      'claims_transactions.csv',
      `claim_id, claim_line_number, CAST(charge_amount AS VARCHAR) AS charge, CAST(paid_amount AS VARCHAR) AS paid,
       CAST(copayment_amount AS VARCHAR) AS copay`,
    );
    const published = new Map(lines.map((l) => [`${l.claim_id}|${l.claim_line_number}`, l]));
    for (const charge of charges) {
      const walk = expected.get(`${charge.CLAIMID}|${charge.CHARGEID}`);
      const line = published.get(`${charge.CLAIMID}|${walk?.line}`);
      assert.deepEqual(
        line && { charge: line.charge, paid: line.paid, copay: line.copay },
        {
          charge: Number(charge.AMOUNT).toFixed(2),
          paid: walk?.paid.toFixed(2),
          copay: walk?.copay === null ? null : walk?.copay.toFixed(2),
        },
        `${charge.CLAIMID} charge ${charge.CHARGEID}`,
      );
    }
    // The claim of the profile's comment: 136.80 charged, 116.74 paid by Medicaid, 20.06 left to the patient.
    assert.deepEqual(published.get('7ef6c820-4c49-dc36-c050-e16501952916|1'), {
      claim_id: '7ef6c820-4c49-dc36-c050-e16501952916',
      claim_line_number: 1,
      charge: '136.80',
      paid: '116.74',
      copay: null,
    });
  });

  it('takes the claim type, dates, SNOMED diagnoses and payer from claims.csv and payers.csv', async () => {
    const lines = await publishedLines(
      sample.root,
      'claims_transactions.csv',
      `claim_id, claim_type, CAST(claim_start_date AS VARCHAR) AS start, diagnosis_code_1, diagnosis_code_2,
       diagnosis_code_type, payer`,
      'claim_id',
    );
    const payers = new Map((await readCsvRecords(join(CSV, 'payers.csv'))).map((p) => [p.Id, p.NAME]));
    const types: Record<string, string> = { '1': 'professional', '2': 'institutional' };
    for (const line of lines) {
      const claim = claims.get(String(line.claim_id)) ?? {};
      assert.deepEqual(line, {
        claim_id: claim.Id,
        claim_type: types[claim.HEALTHCARECLAIMTYPEID1 ?? ''],
        start: claim.SERVICEDATE?.slice(0, 10),
        diagnosis_code_1: claim.DIAGNOSIS1 || null,
        diagnosis_code_2: claim.DIAGNOSIS2 || null,
        diagnosis_code_type: 'snomed-ct',
        payer: payers.get(claim.PRIMARYPATIENTINSURANCEID ?? '') ?? null,
      });
    }
    const report = sample.reports.get('claims_transactions.csv');
    assert.deepEqual(
      report?.skipped_rules.filter((s) => s.reason === 'disabled by the synthea profile'),
      [
        { rule_id: 'invalid_icd10cm_format', reason: 'disabled by the synthea profile' },
        { rule_id: 'unknown_icd10cm_code', reason: 'disabled by the synthea profile' },
      ],
    );
    // The export has no bill type, and its PLACEOFSERVICE is an organization id, not a CMS code, so the
    // profile maps neither. Before, every line warned for one or the other (812 institutional, 767
    // professional) and completeness scored 0; the rules are now skipped, with the layout as the reason.
    const lineTypes = transactions
      .filter((t) => t.TYPE === 'CHARGE')
      .map((t) => claims.get(t.CLAIMID ?? '')?.HEALTHCARECLAIMTYPEID1);
    assert.deepEqual(
      [lineTypes.filter((t) => t === '2').length, lineTypes.filter((t) => t === '1').length],
      [812, 767],
    );
    const skippedFor = (id: string) => report?.skipped_rules.find((s) => s.rule_id === id)?.reason;
    assert.equal(
      skippedFor('missing_bill_type_institutional'),
      'synthea/claims_transactions never carries bill_type_code',
    );
    assert.equal(
      skippedFor('missing_pos_professional'),
      'synthea/claims_transactions never carries place_of_service_code',
    );
    assert.deepEqual(report?.quality?.dimensions.completeness, { score: 100, failed_rows: 0 });
    assert.deepEqual(failing(report), {});
  });

  it("fills birth date and gender from patients.csv and blanks Synthea's 1970-01-01 end-date sentinel", async () => {
    const patients = new Map((await readCsvRecords(join(CSV, 'patients.csv'))).map((p) => [p.Id, p]));
    const lines = await publishedLines(
      sample.root,
      'claims_transactions.csv',
      `DISTINCT person_id, CAST(birth_date AS VARCHAR) AS birth, gender`,
      'person_id',
    );
    assert.equal(lines.length, 11);
    for (const line of lines) {
      const patient = patients.get(String(line.person_id));
      assert.deepEqual(line, {
        person_id: patient?.Id,
        birth: patient?.BIRTHDATE,
        gender: { M: 'male', F: 'female' }[patient?.GENDER ?? ''],
      });
    }
    const sentinels = transactions.filter((t) => t.TYPE === 'CHARGE' && t.TODATE === '1970-01-01T00:00:00Z').length;
    const [ends] = await publishedLines(
      sample.root,
      'claims_transactions.csv',
      `COUNT(*) FILTER (WHERE claim_line_end_date IS NULL) AS open, MIN(claim_line_end_date) > DATE '1971-01-01' AS plausible`,
      '',
    );
    assert.ok(sentinels > 100);
    assert.equal(Number(ends?.open), sentinels);
    assert.equal(ends?.plausible, true);
    assert.equal(failing(sample.reports.get('claims_transactions.csv')).claim_line_start_after_end, undefined);
    assert.deepEqual(sample.reports.get('patients.csv')?.summary, {
      total_records: 11,
      valid_records: 11,
      error_records: 0,
    });
  });

  it('rejects transactions without the claims.csv they need, naming the missing companion', async () => {
    const dir = await tempDir('synthea-alone');
    const file = join(dir, 'claims_transactions.csv');
    const header = 'ID,CLAIMID,CHARGEID,PATIENTID,TYPE,AMOUNT,METHOD,PROCEDURECODE,PAYMENTS,TRANSFERTYPE';
    await writeFile(file, `${header}\nt1,c1,0,p1,CHARGE,10.00,,185345009,0.00,1\n`);
    const alone = await runSamples([file]);
    assert.equal(alone.code, 2);
    assert.match(
      alone.stderr,
      /claims_transactions\.csv: missing_required_column: the synthea\/claims_transactions layout needs claims \(companion file\), which the file lacks/,
    );
  });
});
