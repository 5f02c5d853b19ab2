import type { SourceLayout, SourceProfile } from './source-profile.ts';

/** What a converter writes: NDJSON whose keys are canonical column names. */
const CONVERTED_LINES: SourceLayout = {
  id: 'claim_lines',
  role: 'claims',
  description: 'The converter’s NDJSON: one canonical claim line per record.',
  detect: { headers: [] },
  match_by_name: true,
};

/** The converter’s NDJSON of a file’s pharmacy claims (a job of their own, see sources-records.md). */
const CONVERTED_PHARMACY_LINES: SourceLayout = {
  id: 'pharmacy_lines',
  role: 'pharmacy',
  table: 'pharmacy_claim',
  description: 'The converter’s NDJSON of pharmacy claims: one dispensed line per record, published to pharmacy_claim.',
  detect: { headers: [] },
  match_by_name: true,
};

/** ASC X12 837 (professional and institutional), recognised by its ISA envelope. */
export const X12_837_PROFILE: SourceProfile = {
  name: 'x12-837',
  description: 'ASC X12 005010 837P/837I claim files, converted to canonical lines (see sources-records.md).',
  kind: 'x12',
  layouts: [CONVERTED_LINES],
};

/** FHIR R4 ExplanationOfBenefit / Claim resources, in a Bundle or as NDJSON. */
export const FHIR_EOB_PROFILE: SourceProfile = {
  name: 'fhir-eob',
  description:
    'FHIR R4 ExplanationOfBenefit and Claim resources (Bundle or NDJSON), converted to canonical lines: medical claims to medical_claim, pharmacy claims to pharmacy_claim.',
  kind: 'fhir',
  layouts: [CONVERTED_LINES, CONVERTED_PHARMACY_LINES],
};
