import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { convertToLines } from '../../../test/support/converted-lines.ts';
import { SHARED_DIR } from '../../../test/support/shared.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import type { CanonicalLine, ConversionResult } from '../records/conversion-result.ts';
import { convertFhir } from './convert-fhir.ts';

const FHIR = join(SHARED_DIR, 'samples/synthea/fhir');
/** ExplanationOfBenefit resources and their items in each Synthea bundle (each EOB adjudicates one Claim). */
/** Per table: 26 medical ExplanationOfBenefits of 126 items, 4 pharmacy ones of 1 item each. */
const SAMPLES: Record<string, Record<'medical_claim' | 'pharmacy_claim', { claims: number; lines: number }>> = {
  'Rodrigo242_Grady603_9f39bf35-ea79-4383-4eb1-36c43280dff2.json': {
    medical_claim: { claims: 26, lines: 126 },
    pharmacy_claim: { claims: 4, lines: 4 },
  },
};
const isPharmacy = (resource: Json): boolean => resource.type.coding[0].code === 'pharmacy';

// biome-ignore lint/suspicious/noExplicitAny: the raw bundle is read freely to compute expected values independently.
type Json = Record<string, any>;

let dir: string;
function convertFile(input: string, table = 'medical_claim'): ReturnType<typeof convertToLines> {
  return convertToLines((i, o) => convertFhir(i, o, table), input, dir);
}

async function convert(
  text: string | Buffer,
  name: string,
): Promise<{ result: ConversionResult; lines: CanonicalLine[] }> {
  const input = join(dir, name);
  await writeFile(input, text);
  return convertFile(input);
}

const resourcesOf = (bundle: Json, type: string): Json[] =>
  bundle.entry.map((e: Json) => e.resource).filter((r: Json) => r.resourceType === type);

describe('convertFhir on the Synthea FHIR bundles', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claimflow-fhir-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [name, expected] of Object.entries(SAMPLES)) {
    it(`converts ${name.slice(0, 20)}…: per table, ${JSON.stringify(expected)}`, async () => {
      // Independent count: the bundle parsed whole, its ExplanationOfBenefit resources and their items.
      const bundle = JSON.parse(await readFile(join(FHIR, name), 'utf8')) as Json;
      const eobs = resourcesOf(bundle, 'ExplanationOfBenefit');
      const claims = resourcesOf(bundle, 'Claim');
      const count = (of: Json[]) => ({ claims: of.length, lines: of.reduce((n, e) => n + e.item.length, 0) });
      const ofTable = { medical_claim: eobs.filter((e) => !isPharmacy(e)), pharmacy_claim: eobs.filter(isPharmacy) };
      assert.deepEqual(
        { medical_claim: count(ofTable.medical_claim), pharmacy_claim: count(ofTable.pharmacy_claim) },
        expected,
        'the stated figures match the file',
      );
      assert.deepEqual(
        claims.map((c) => `urn:uuid:${c.id}`).sort(),
        eobs.map((e) => e.claim.reference).sort(),
        'every Claim is adjudicated by an EOB, so only the EOBs count',
      );
      for (const [table, other] of [
        ['medical_claim', 'pharmacy_claim'],
        ['pharmacy_claim', 'medical_claim'],
      ] as const) {
        const { result, lines } = await convertFile(join(FHIR, name), table);
        assert.deepEqual(result.errors, []);
        assert.deepEqual({ claims: result.claims, lines: result.lines }, expected[table], table);
        assert.deepEqual(result.otherTables, { [other]: expected[other].claims }, table);
        assert.deepEqual(new Set(lines.map((l) => l.claim_id)), new Set(ofTable[table].map((e) => e.id)), table);
      }
    });
  }

  it('maps a pharmacy EOB onto pharmacy_claim: dispensing date, prescriber, the claim totals on its one item', async () => {
    const name = Object.keys(SAMPLES)[0] ?? '';
    const bundle = JSON.parse(await readFile(join(FHIR, name), 'utf8')) as Json;
    const { lines } = await convertFile(join(FHIR, name), 'pharmacy_claim');
    const eobs = resourcesOf(bundle, 'ExplanationOfBenefit').filter(isPharmacy);
    assert.deepEqual(
      lines.map((l) => [
        l.claim_id,
        l.claim_line_number,
        l.dispensing_date,
        l.prescribing_provider_npi,
        l.charge_amount,
      ]),
      eobs.map((e) => [
        e.id,
        String(e.item[0].sequence),
        e.item[0].servicedPeriod.start.slice(0, 10),
        e.careTeam[0].provider.reference.split('|')[1],
        String(e.total[0].amount.value),
      ]),
    );
    // Written out: the first one, and no medical column (the required ones are pharmacy_claim's).
    assert.deepEqual(lines[0], {
      claim_id: 'd51e812e-3a9c-78f0-8fb0-8a2c58e0f5d8',
      person_id: '9f39bf35-ea79-4383-4eb1-36c43280dff2',
      member_id: '9f39bf35-ea79-4383-4eb1-36c43280dff2',
      payer: 'Humana',
      prescribing_provider_npi: '9999899898',
      claim_line_number: '1',
      dispensing_date: '2017-02-14',
      charge_amount: '122.75',
      paid_amount: '0',
    });
  });

  it('maps amounts, NPIs, place of service, dates and demographics as the bundle states them', async () => {
    const name = Object.keys(SAMPLES)[0] ?? '';
    const bundle = JSON.parse(await readFile(join(FHIR, name), 'utf8')) as Json;
    const patient = resourcesOf(bundle, 'Patient')[0] as Json;
    const { lines } = await convertFile(join(FHIR, name));
    const byKey = new Map(lines.map((l) => [`${l.claim_id}#${l.claim_line_number}`, l]));
    const amount = (item: Json, variable: string): string | undefined => {
      const found = item.adjudication?.find((a: Json) => a.category.coding[0].code.endsWith(`/${variable}`));
      return found?.amount === undefined ? undefined : String(found.amount.value);
    };
    let checked = 0;
    for (const eob of resourcesOf(bundle, 'ExplanationOfBenefit').filter((e) => !isPharmacy(e))) {
      const npi = eob.provider.reference.split('|')[1];
      for (const item of eob.item) {
        const line = byKey.get(`${eob.id}#${item.sequence}`);
        assert.ok(line, `${eob.id} item ${item.sequence}`);
        assert.equal(line.claim_type, eob.type.coding[0].code);
        assert.equal(line.billing_npi, npi);
        assert.equal(line.rendering_npi, eob.careTeam[0].provider.reference.split('|')[1]);
        assert.equal(line.payer, eob.insurer.display);
        assert.equal(line.person_id, patient.id);
        assert.equal(line.place_of_service_code, item.locationCodeableConcept.coding[0].code);
        assert.equal(line.claim_start_date, eob.billablePeriod.start.slice(0, 10));
        assert.equal(line.claim_line_start_date, item.servicedPeriod.start.slice(0, 10));
        assert.equal(line.paid_amount, amount(item, 'line_prvdr_pmt_amt'));
        assert.equal(line.allowed_amount, amount(item, 'line_alowd_chrg_amt'));
        assert.equal(line.charge_amount, amount(item, 'line_sbmtd_chrg_amt'));
        assert.equal(line.coinsurance_amount, amount(item, 'line_coinsrnc_amt'));
        assert.equal(line.deductible_amount, amount(item, 'line_bene_ptb_ddctbl_amt'));
        assert.equal(line.birth_date, patient.birthDate);
        assert.equal(line.gender, patient.gender);
        checked++;
      }
    }
    assert.equal(checked, 126);
    // One spot check written out: a flu shot line of claim b800c331.
    assert.deepEqual(
      (({ paid_amount, coinsurance_amount, allowed_amount, billing_npi, place_of_service_code }) => ({
        paid_amount,
        coinsurance_amount,
        allowed_amount,
        billing_npi,
        place_of_service_code,
      }))(byKey.get('b800c331-8dec-6b46-9fbb-55367f80260b#2') ?? {}),
      {
        paid_amount: '108.80000000000001',
        coinsurance_amount: '27.200000000000003',
        allowed_amount: '136',
        billing_npi: '9999962597',
        place_of_service_code: '19',
      },
    );
    // Synthea codes diagnoses (Conditions) and services in SNOMED CT, CVX, LOINC and RxNorm: no canonical column.
    const conditionSystems = new Set(
      resourcesOf(bundle, 'Condition').flatMap((c) => c.code.coding.map((x: Json) => x.system)),
    );
    assert.deepEqual(conditionSystems, new Set(['http://snomed.info/sct']));
    assert.ok(lines.every((l) => l.diagnosis_code_1 === undefined && l.hcpcs_code === undefined));
  });

  it('gives the same records from NDJSON of the resources, a JSON array, gzip, and a single resource', async () => {
    const name = Object.keys(SAMPLES)[0] ?? '';
    const text = await readFile(join(FHIR, name), 'utf8');
    const bundle = JSON.parse(text) as Json;
    const base = await convertFile(join(FHIR, name));
    const resources = bundle.entry.map((e: Json) => e.resource);
    for (const [variant, content] of Object.entries({
      ndjson: `${resources.map((r: Json) => JSON.stringify(r)).join('\n')}\n`,
      array: JSON.stringify(resources),
      gzip: gzipSync(text),
    })) {
      const { result, lines } = await convert(content, `variant-${variant}.json`);
      assert.deepEqual(result.errors, [], variant);
      const sorted = (ls: CanonicalLine[]) => ls.map((l) => JSON.stringify(l)).sort();
      assert.deepEqual(sorted(lines), sorted(base.lines), variant);
    }
    const eob = resourcesOf(bundle, 'ExplanationOfBenefit')[3] as Json;
    const single = await convert(JSON.stringify(eob, null, 2), 'single-eob.json');
    assert.deepEqual(
      single.lines.map((l) => l.claim_line_number),
      eob.item.map((i: Json) => String(i.sequence)),
    );
  });

  it('converts Claims that no ExplanationOfBenefit adjudicates', async () => {
    const name = Object.keys(SAMPLES)[0] ?? '';
    const bundle = JSON.parse(await readFile(join(FHIR, name), 'utf8')) as Json;
    const claims = resourcesOf(bundle, 'Claim').filter((c) => !isPharmacy(c));
    const { result, lines } = await convert(
      `${resourcesOf(bundle, 'Claim')
        .map((c) => JSON.stringify(c))
        .join('\n')}\n`,
      'claims.ndjson',
    );
    assert.deepEqual(result.otherTables, { pharmacy_claim: 4 }, 'the pharmacy Claims are left for their own job');
    assert.deepEqual(
      { claims: result.claims, lines: result.lines },
      { claims: claims.length, lines: claims.reduce((n, c) => n + c.item.length, 0) },
    );
    const first = claims[0] as Json;
    const firstLines = lines.filter((l) => l.claim_id === first.id);
    assert.deepEqual(
      firstLines.map((l) => [l.claim_type, l.claim_start_date, l.payer]),
      first.item.map(() => ['professional', first.billablePeriod.start.slice(0, 10), 'Humana']),
    );
  });

  it('maps a Blue Button style EOB: ICD-10 diagnoses with POA, procedures, HCPCS, adjudication, institutional facts', async () => {
    const eob = {
      resourceType: 'ExplanationOfBenefit',
      id: 'inpatient-4711',
      contained: [
        { resourceType: 'Coverage', id: 'cov', subscriberId: 'MBI-1EG4TE5MK73', payor: [{ display: 'Medicare' }] },
        {
          resourceType: 'Organization',
          id: 'fac',
          identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' }],
        },
      ],
      type: {
        coding: [
          { system: 'https://bluebutton.cms.gov/resources/codesystem/eob-type', code: 'INPATIENT' },
          { system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'institutional' },
        ],
      },
      patient: { reference: 'Patient/-10000010254618' },
      billablePeriod: { start: '2025-03-02', end: '2025-03-06' },
      provider: { identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1497758544' } },
      facility: { reference: '#fac' },
      insurance: [{ focal: true, coverage: { reference: '#cov' } }],
      careTeam: [
        {
          sequence: 1,
          provider: { identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1922011261' } },
          role: { coding: [{ code: 'attending' }] },
        },
        {
          sequence: 2,
          provider: { identifier: { system: 'http://hl7.org/fhir/sid/us-npi', value: '1003000126' } },
          role: { coding: [{ code: 'performing' }] },
        },
      ],
      diagnosis: [
        {
          sequence: 2,
          diagnosisCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E11.9' }] },
          onAdmission: { coding: [{ code: 'N' }] },
        },
        {
          sequence: 1,
          diagnosisCodeableConcept: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I21.4' }] },
          type: [{ coding: [{ code: 'principal' }] }],
          onAdmission: { coding: [{ code: 'Y' }] },
        },
        { sequence: 3, diagnosisCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] } },
      ],
      procedure: [
        {
          sequence: 1,
          date: '2025-03-03T10:00:00-05:00',
          procedureCodeableConcept: {
            coding: [{ system: 'http://www.cms.gov/Medicare/Coding/ICD10', code: '02703ZZ' }],
          },
        },
      ],
      supportingInfo: [
        { category: { coding: [{ code: 'typeofbill' }] }, code: { coding: [{ code: '0111' }] } },
        {
          category: { coding: [{ code: 'admissionperiod' }] },
          timingPeriod: { start: '2025-03-02', end: '2025-03-06' },
        },
        { category: { coding: [{ code: 'discharge-status' }] }, code: { coding: [{ code: '01' }] } },
        {
          category: { coding: [{ code: 'https://bluebutton.cms.gov/resources/variables/clm_drg_cd' }] },
          code: { coding: [{ code: '247' }] },
        },
      ],
      item: [
        {
          sequence: 1,
          careTeamSequence: [2],
          revenue: { coding: [{ code: '0481' }] },
          productOrService: {
            coding: [{ system: 'https://bluebutton.cms.gov/resources/codesystem/hcpcs', code: '93458' }],
          },
          modifier: [{ coding: [{ code: '26' }] }, { coding: [{ code: 'XU' }] }],
          servicedDate: '2025-03-03',
          quantity: { value: 1 },
          adjudication: [
            { category: { coding: [{ code: 'submitted' }] }, amount: { value: 5000 } },
            { category: { coding: [{ code: 'eligible' }] }, amount: { value: 3200.5 } },
            { category: { coding: [{ code: 'paidtoprovider' }] }, amount: { value: 2900 } },
            { category: { coding: [{ code: 'benefit' }] }, amount: { value: 2950.5 } },
            { category: { coding: [{ code: 'deductible' }] }, amount: { value: 200 } },
            { category: { coding: [{ code: 'copay' }] }, amount: { value: 50 } },
          ],
        },
      ],
      payment: { date: '2025-04-01' },
    };
    const { result, lines } = await convert(JSON.stringify(eob), 'blue-button.json');
    assert.deepEqual(result, { claims: 1, lines: 1, errors: [], otherTables: {} });
    assert.deepEqual(lines[0], {
      claim_id: 'inpatient-4711',
      claim_type: 'institutional',
      person_id: '-10000010254618',
      claim_start_date: '2025-03-02',
      claim_end_date: '2025-03-06',
      member_id: 'MBI-1EG4TE5MK73',
      payer: 'Medicare',
      paid_date: '2025-04-01',
      billing_npi: '1497758544',
      facility_npi: '1234567893',
      // The principal diagnosis first, dots removed; the SNOMED CT diagnosis has no column.
      diagnosis_code_type: 'icd-10-cm',
      diagnosis_code_1: 'I214',
      diagnosis_poa_1: 'Y',
      diagnosis_code_2: 'E119',
      diagnosis_poa_2: 'N',
      procedure_code_type: 'icd-10-pcs',
      procedure_code_1: '02703ZZ',
      procedure_date_1: '2025-03-03',
      bill_type_code: '0111',
      admission_date: '2025-03-02',
      discharge_date: '2025-03-06',
      discharge_disposition_code: '01',
      drg_code: '247',
      drg_code_type: 'ms-drg',
      claim_line_number: '1',
      claim_line_start_date: '2025-03-03',
      claim_line_end_date: '2025-03-03',
      revenue_center_code: '0481',
      hcpcs_code: '93458',
      hcpcs_modifier_1: '26',
      hcpcs_modifier_2: 'XU',
      service_unit_quantity: '1',
      charge_amount: '5000',
      allowed_amount: '3200.5',
      // "benefit" ranks before "paidtoprovider" for the paid amount.
      paid_amount: '2950.5',
      deductible_amount: '200',
      copayment_amount: '50',
      // The item's own care team member, not the claim's attending.
      rendering_npi: '1003000126',
    });
  });

  it('reports a broken record or a resource of the wrong shape by position and keeps the others', async () => {
    const ok = { resourceType: 'ExplanationOfBenefit', id: 'ok-1', billablePeriod: { start: '2025-01-02' } };
    const wrong = { resourceType: 'ExplanationOfBenefit', id: 'bad-1', item: [{ sequence: 'one' }] };
    const ndjson = [
      JSON.stringify(ok),
      '{"resourceType": "Claim", "id": }',
      JSON.stringify(wrong),
      JSON.stringify({ ...ok, id: 'ok-2' }),
    ];
    const { result, lines } = await convert(`${ndjson.join('\n')}\n`, 'mixed.ndjson');
    assert.deepEqual(result.errors, [
      { position: 'line 2', reason: 'invalid JSON' },
      {
        position: 'line 3',
        reason: 'ExplanationOfBenefit does not have the expected shape (invalid_type at item.0.sequence)',
      },
    ]);
    assert.deepEqual(
      lines.map((l) => [l.claim_id, l.claim_line_number, l.claim_start_date]),
      [
        ['ok-1', '1', '2025-01-02'],
        ['ok-2', '1', '2025-01-02'],
      ],
    );
    const bundle = { resourceType: 'Bundle', entry: [{ resource: ok }, { resource: { ...wrong, id: undefined } }] };
    const inBundle = await convert(JSON.stringify(bundle, null, 1), 'bad-entry.json');
    assert.deepEqual(inBundle.result.errors, [
      { position: 'entry 2', reason: 'ExplanationOfBenefit does not have the expected shape (invalid_type at id)' },
    ]);
    assert.equal(inBundle.result.claims, 1);
  });

  it('rejects a file that is not JSON as unreadable', async () => {
    await assert.rejects(
      convert('ISA*00*not json\n', 'not-json.json'),
      (e: unknown) => e instanceof ClaimFileError && e.code === 'unreadable_file',
    );
  });
});
