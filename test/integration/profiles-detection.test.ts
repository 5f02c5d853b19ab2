import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { it } from 'node:test';
import { readHead } from '../../src/adapters/local-store/read-head.ts';
import { detectFormat, HEAD_BYTES } from '../../src/domain/detect-format.ts';
import { BUILTIN_PROFILES } from '../../src/domain/profiles/builtin-profiles.ts';
import { recordKindOf, selectProfile } from '../../src/pipeline/select-profile.ts';
import { SHARED_DIR } from '../support/shared.ts';

const SAMPLES = join(SHARED_DIR, 'samples');

/** The profile and layout each sample file must get, by path under samples/. */
const EXPECTED: Record<string, string> = {
  'synpuf/ohdsi-tiny/DE_0/DE1_0_2008_Beneficiary_Summary_File_Sample_0.csv': 'cms-synpuf/beneficiary_summary',
  'synpuf/ohdsi-tiny/DE_0/DE1_0_2008_to_2010_Carrier_Claims_Sample_0A.csv': 'cms-synpuf/carrier',
  'synpuf/ohdsi-tiny/DE_0/DE1_0_2008_to_2010_Carrier_Claims_Sample_0B.csv': 'cms-synpuf/carrier',
  'synpuf/ohdsi-tiny/DE_0/DE1_0_2008_to_2010_Inpatient_Claims_Sample_0.csv': 'cms-synpuf/inpatient',
  'synpuf/ohdsi-tiny/DE_0/DE1_0_2008_to_2010_Outpatient_Claims_Sample_0.csv': 'cms-synpuf/outpatient',
  'synpuf/ohdsi-tiny/DE_0/DE1_0_2008_to_2010_Prescription_Drug_Events_Sample_0.csv':
    'cms-synpuf/prescription_drug_events',
  'synpuf/ohdsi-tiny/DE_0/DE1_0_2009_Beneficiary_Summary_File_Sample_0.csv': 'cms-synpuf/beneficiary_summary',
  'synpuf/ohdsi-tiny/DE_0/DE1_0_2010_Beneficiary_Summary_File_Sample_0.csv': 'cms-synpuf/beneficiary_summary',
  'synpuf/ohdsi-tiny/input/beneficiary_summary.csv': 'cms-synpuf/beneficiary_summary_stacked',
  'synpuf/ohdsi-tiny/input/carrier_claims.csv': 'cms-synpuf/carrier',
  'synpuf/ohdsi-tiny/input/inpatient_claims.csv': 'cms-synpuf/inpatient',
  'synpuf/ohdsi-tiny/input/outpatient_claims.csv': 'cms-synpuf/outpatient',
  'synpuf/ohdsi-tiny/input/prescription_drug_events.csv': 'cms-synpuf/prescription_drug_events',
  'synpuf/sample2-first200/DE1_0_2008_Beneficiary_Summary_File_Sample_2.csv': 'cms-synpuf/beneficiary_summary',
  'synpuf/sample2-first200/DE1_0_2008_to_2010_Carrier_Claims_Sample_2A.csv': 'cms-synpuf/carrier',
  'synpuf/sample2-first200/DE1_0_2008_to_2010_Carrier_Claims_Sample_2B.csv': 'cms-synpuf/carrier',
  'synpuf/sample2-first200/DE1_0_2008_to_2010_Inpatient_Claims_Sample_2.csv': 'cms-synpuf/inpatient',
  'synpuf/sample2-first200/DE1_0_2008_to_2010_Outpatient_Claims_Sample_2.csv': 'cms-synpuf/outpatient',
  'synpuf/sample2-first200/DE1_0_2008_to_2010_Prescription_Drug_Events_Sample_2.csv':
    'cms-synpuf/prescription_drug_events',
  'synpuf/sample2-first200/DE1_0_2009_Beneficiary_Summary_File_Sample_2.csv': 'cms-synpuf/beneficiary_summary',
  'synpuf/sample2-first200/DE1_0_2010_Beneficiary_Summary_File_Sample_2.csv': 'cms-synpuf/beneficiary_summary',
  'synthea/csv/claims.csv': 'synthea/claims',
  'synthea/csv/claims_transactions.csv': 'synthea/claims_transactions',
  'synthea/csv/organizations.csv': 'synthea/organizations',
  'synthea/csv/patients.csv': 'synthea/patients',
  'synthea/csv/payer_transitions.csv': 'synthea/payer_transitions',
  'synthea/csv/payers.csv': 'synthea/payers',
  'synthea/csv/providers.csv': 'synthea/providers',
  'synthea/fhir/Rodrigo242_Grady603_9f39bf35-ea79-4383-4eb1-36c43280dff2.json': 'fhir-eob/claim_lines',
  'tuva/eligibility_seed.csv': 'tuva/eligibility',
  'tuva/medical_claim_seed.csv': 'tuva/medical_claim',
  'tuva/pharmacy_claim_seed.csv': 'tuva/pharmacy_claim',
  'x12/linuxforhealth/837_005010X222A2_demo.ambulance.example5.837': 'x12-837/claim_lines',
  'x12/linuxforhealth/837_005010X222A2_demo.autoaccident.837': 'x12-837/claim_lines',
  'x12/linuxforhealth/837_005010X222A2_demo.cob.example3.B.837': 'x12-837/claim_lines',
  'x12/linuxforhealth/837_005010X222A2_demo.drug.example10.2.837': 'x12-837/claim_lines',
  'x12/linuxforhealth/837_005010X222A2_demo.example1.837': 'x12-837/claim_lines',
  'x12/linuxforhealth/837_005010X223A3_institutional-claim.837i': 'x12-837/claim_lines',
  'x12/linuxforhealth/837_005010X223A3_ppo-repriced-claim.837i': 'x12-837/claim_lines',
  'x12/linuxforhealth/837_005010X223A3_two-claims-single-provider.837i': 'x12-837/claim_lines',
  'x12/uhin/837.edi': 'x12-837/claim_lines',
};

it('picks the right profile and layout for every sample file (licences and SOURCE notes aside)', async () => {
  const files = (await readdir(SAMPLES, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && !/^(LICENSE|SOURCE)/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
  const picked: Record<string, string> = {};
  for (const file of files) {
    const head = await readHead(file, HEAD_BYTES);
    const detection = detectFormat(file, head.bytes);
    assert.ok(detection.ok, file);
    const columns = detection.format.kind === 'csv' ? detection.format.header : [];
    const selection = selectProfile(
      { recordKind: recordKindOf(head.bytes), columns },
      { catalog: BUILTIN_PROFILES, forced: null },
    );
    picked[relative(SAMPLES, file)] = selection.ok
      ? `${selection.profile.name}/${selection.layout.id}`
      : selection.reason;
  }
  assert.deepEqual(picked, EXPECTED);
});
