import type { SourceLayout, SourceProfile } from './source-profile.ts';

/** What a converter writes: NDJSON whose keys are canonical column names. */
const CONVERTED_LINES: SourceLayout = {
  id: 'claim_lines',
  role: 'claims',
  description: 'The converter’s NDJSON: one canonical claim line per record.',
  detect: { headers: [] },
  match_by_name: true,
};

/**
 * An 837 is the claim as billed, before adjudication: it has no payment, member cost share or
 * network status (the repricer's allowed amount aside). convert-x12.test.ts checks the samples.
 */
export const X12_837_NEVER_CARRIES = [
  'paid_date',
  'paid_amount',
  'coinsurance_amount',
  'copayment_amount',
  'deductible_amount',
  'in_network_flag',
] as const;

/** ASC X12 837 (professional and institutional), recognised by its ISA envelope. */
export const X12_837_PROFILE: SourceProfile = {
  name: 'x12-837',
  description: 'ASC X12 005010 837P/837I claim files, converted to canonical lines (see sources-records.md).',
  kind: 'x12',
  layouts: [{ ...CONVERTED_LINES, never_carries: X12_837_NEVER_CARRIES }],
};

/** FHIR R4 ExplanationOfBenefit / Claim resources, in a Bundle or as NDJSON. */
export const FHIR_EOB_PROFILE: SourceProfile = {
  name: 'fhir-eob',
  description: 'FHIR R4 ExplanationOfBenefit and Claim resources (Bundle or NDJSON), converted to canonical lines.',
  kind: 'fhir',
  layouts: [CONVERTED_LINES],
};
