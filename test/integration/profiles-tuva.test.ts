import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { publishedLines, runInProcess, runSamples, type SampleRun } from '../support/profile-run.ts';
import { readCsvRecords } from '../support/read-csv.ts';
import { SHARED_DIR } from '../support/shared.ts';

const TUVA = join(SHARED_DIR, 'samples/tuva');
const MEDICAL = join(TUVA, 'medical_claim_seed.csv');
type Row = Record<string, string>;

describe('the tuva profile', () => {
  let sample: SampleRun;
  let medical: Row[];
  let eligibility: Row[];

  before(async () => {
    medical = await readCsvRecords(MEDICAL);
    eligibility = await readCsvRecords(join(TUVA, 'eligibility_seed.csv'));
    sample = await runSamples([MEDICAL]);
  });

  it('reads medical_claim as it is: 2075 lines of 1138 claims', async () => {
    const stated = { lines: 2075, claims: 1138 };
    assert.deepEqual({ lines: medical.length, claims: new Set(medical.map((r) => r.claim_id)).size }, stated);
    const report = sample.reports.get('medical_claim_seed.csv');
    assert.equal(report?.profile?.name, 'tuva');
    assert.equal(report?.profile?.score, 148);
    assert.deepEqual(report?.profile?.also_fitting, [{ profile: 'standard', layout: 'claim_lines', score: 6 }]);
    assert.equal(report?.summary.total_records, stated.lines);
    const [published] = await publishedLines(
      sample.root,
      'medical_claim_seed.csv',
      'COUNT(DISTINCT claim_id) AS claims',
      '',
    );
    // The 79 lines that bill zero units are quarantined: 4 claims have no other line.
    const zeroUnits = (r: Row): boolean => r.service_unit_quantity !== '' && Number(r.service_unit_quantity) === 0;
    assert.equal(medical.filter(zeroUnits).length, 79);
    const kept = new Set(medical.filter((r) => !zeroUnits(r)).map((r) => r.claim_id));
    assert.equal(kept.size, 1134);
    assert.equal(Number(published?.claims), kept.size);
  });

  it('keeps the source values: a claim line with its NPI, first diagnosis and paid amount', async () => {
    const line = medical.find(
      (r) => r.rendering_npi && r.paid_amount && r.diagnosis_code_1 && r.service_unit_quantity !== '0',
    );
    assert.ok(line);
    const lines = await publishedLines(
      sample.root,
      'medical_claim_seed.csv',
      `claim_id, claim_line_number, rendering_npi, diagnosis_code_1, CAST(paid_amount AS DOUBLE) AS paid`,
    );
    assert.deepEqual(
      lines.find((l) => l.claim_id === line.claim_id && String(l.claim_line_number) === line.claim_line_number),
      {
        claim_id: line.claim_id,
        claim_line_number: Number(line.claim_line_number),
        rendering_npi: line.rendering_npi,
        diagnosis_code_1: line.diagnosis_code_1,
        paid: Number(line.paid_amount),
      },
    );
  });

  it('fills birth date and gender from the eligibility file beside it (the member rules and age need them)', async () => {
    assert.deepEqual(sample.reports.get('medical_claim_seed.csv')?.profile?.companions, [
      { name: 'eligibility', files: ['eligibility_seed.csv'] },
    ]);
    const members = new Map<string, Row>();
    for (const span of eligibility) if (!members.has(span.person_id ?? '')) members.set(span.person_id ?? '', span);
    const people = await publishedLines(
      sample.root,
      'medical_claim_seed.csv',
      'DISTINCT person_id, CAST(birth_date AS VARCHAR) AS birth, gender',
      'person_id',
    );
    assert.equal(people.length, 10);
    for (const person of people) {
      const member = members.get(String(person.person_id));
      assert.deepEqual(person, { person_id: member?.person_id, birth: member?.birth_date, gender: member?.gender });
    }
    const [ages] = await publishedLines(sample.root, 'medical_claim_seed.csv', 'COUNT(age_at_service) AS aged', '');
    assert.equal(Number(ages?.aged), sample.run.files[0]?.processed_records);
  });

  it('with --profile standard reads the same file as plain canonical lines, without the companion', async () => {
    const { root, summary } = await runInProcess([MEDICAL], { profile: 'standard' });
    const report = summary.files[0]?.report;
    assert.deepEqual(report?.profile && [report.profile.name, report.profile.selected_by, report.profile.companions], [
      'standard',
      'flag',
      [],
    ]);
    assert.equal(report?.summary.total_records, 2075);
    const [demographics] = await publishedLines(root, 'medical_claim_seed.csv', 'COUNT(birth_date) AS births', '');
    assert.equal(Number(demographics?.births), 0);
  });

  it('with --profile cms-synpuf rejects the file, saying which layouts were tried', async () => {
    const { summary } = await runInProcess([MEDICAL], { profile: 'cms-synpuf' });
    const error = summary.files[0]?.report?.file_error;
    assert.equal(error?.rule_id, 'missing_required_column');
    assert.match(
      error?.reason ?? '',
      /^the cms-synpuf profile does not fit \(tried 6 layout\(s\); closest of each profile: cms-synpuf\/\w+ lacks /,
    );
    assert.equal(summary.files[0]?.report?.profile, null);
  });
});
