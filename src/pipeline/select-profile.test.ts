import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CANONICAL_COLUMNS, REQUIRED_COLUMNS } from '../domain/canonical-model.ts';
import { BUILTIN_PROFILES, findBuiltinProfile } from '../domain/profiles/builtin-profiles.ts';
import type { SourceProfile } from '../domain/profiles/source-profile.ts';
import { type ProfileChoice, recordKindOf, selectProfile } from './select-profile.ts';

const DETECT: ProfileChoice = { catalog: BUILTIN_PROFILES, forced: null };
const TUVA_HEADER = CANONICAL_COLUMNS.map((c) => c.name).filter((c) => c !== 'birth_date' && c !== 'gender');

const pick = (columns: readonly string[], choice = DETECT, head = '') => {
  const selection = selectProfile({ recordKind: recordKindOf(Buffer.from(head)), columns }, choice);
  return selection.ok ? `${selection.profile.name}/${selection.layout.id}` : selection.reason;
};

describe('selectProfile', () => {
  it('takes the layout whose required columns are all there, the most specific first', () => {
    assert.equal(pick([...REQUIRED_COLUMNS, 'paid_amount']), 'standard/claim_lines');
    // The Tuva header also fits the standard layout, but the tuva layout names 148 of its columns.
    assert.equal(pick(TUVA_HEADER), 'tuva/medical_claim');
    assert.equal(pick(['desynpuf_id', 'Bene Birth Dt', 'BENE-SEX-IDENT-CD']), 'cms-synpuf/beneficiary_summary');
    const selection = selectProfile({ recordKind: null, columns: TUVA_HEADER }, DETECT);
    assert.ok(selection.ok);
    assert.equal(selection.score, 148);
    assert.equal(selection.selectedBy, 'detection');
    assert.deepEqual(
      selection.tried.filter((t) => t.score > 0).map((t) => `${t.profile}/${t.layout}:${t.score}`),
      ['tuva/medical_claim:148', 'standard/claim_lines:6'],
    );
  });

  it('recognises X12 and FHIR by content, whatever the columns', () => {
    assert.equal(pick([], DETECT, '\uFEFF  ISA*00*          *00*'), 'x12-837/claim_lines');
    assert.equal(
      pick([], DETECT, '{"resourceType": "Bundle", "type": "transaction", "entry": ['),
      'fhir-eob/claim_lines',
    );
    assert.equal(pick([], DETECT, '{"resourceType":"ExplanationOfBenefit","id":"1"}\n'), 'fhir-eob/claim_lines');
    assert.equal(recordKindOf(Buffer.from('{"resourceType":"Patient","id":"1"}')), null);
    assert.equal(recordKindOf(Buffer.from('claim_id,ISA\n')), null);
  });

  it('with --profile, tries only that profile and says so', () => {
    const standard = findBuiltinProfile('standard') as SourceProfile;
    const forced = { catalog: BUILTIN_PROFILES, forced: standard };
    const selection = selectProfile({ recordKind: null, columns: TUVA_HEADER }, forced);
    assert.ok(selection.ok);
    assert.equal(selection.profile.name, 'standard');
    assert.equal(selection.selectedBy, 'flag');
    // Forced by the file's config source (sources.<name>.profile), it says that instead.
    const bySource = selectProfile({ recordKind: null, columns: TUVA_HEADER }, { ...forced, forcedBy: 'source' });
    assert.deepEqual(bySource.ok && [bySource.profile.name, bySource.selectedBy], ['standard', 'source']);
    assert.equal(
      pick([], forced, 'ISA*00*'),
      'the standard profile does not fit (tried 1 layout(s); closest of each profile: standard/claim_lines lacks a header (this is an X12 interchange (ISA segment first)))',
    );
  });

  it('rejects a file no profile fits, naming the canonical columns it lacks and the closest layout of each profile', () => {
    assert.equal(
      pick(['id', 'line', 'kind']),
      'the header lacks claim_id, claim_line_number, claim_type, person_id, claim_start_date, claim_end_date' +
        ' (tried 22 layout(s); closest of each profile:' +
        ' x12-837/claim_lines lacks an X12 interchange (ISA segment first);' +
        ' fhir-eob/claim_lines lacks FHIR Bundle, ExplanationOfBenefit or Claim resources;' +
        ' tuva/pharmacy_claim lacks claim_id, claim_line_number, person_id and 2 more;' +
        ' cms-synpuf/beneficiary_summary lacks DESYNPUF_ID, BENE_BIRTH_DT, BENE_SEX_IDENT_CD;' +
        // `id` is Synthea's `Id`: its patients layout lacks one column fewer.
        ' synthea/patients lacks BIRTHDATE, DEATHDATE, GENDER and 1 more;' +
        ' nppes/npidata lacks NPI, Entity Type Code, Provider Organization Name (Legal Business Name) and 34 more;' +
        ' standard/claim_lines lacks claim_id, claim_line_number, claim_type and 3 more)',
    );
  });

  it('on equal scores keeps the profile listed first', () => {
    const layout = { id: 'l', role: 'claims', description: '', detect: { headers: ['a', 'b'] } } as const;
    const first: SourceProfile = { name: 'first', description: '', kind: 'tabular', layouts: [layout] };
    const second: SourceProfile = { ...first, name: 'second' };
    assert.equal(pick(['a', 'b'], { catalog: [first, second], forced: null }), 'first/l');
    assert.equal(pick(['a', 'b'], { catalog: [second, first], forced: null }), 'second/l');
  });
});
