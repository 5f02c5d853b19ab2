import type { FileRole, SourceLayout, SourceProfile } from './source-profile.ts';

/** A converter's NDJSON, whose keys are the columns of the table the layout fills. */
const converted = (id: string, role: FileRole, description: string, table?: string): SourceLayout => ({
  id,
  role,
  ...(table ? { table } : {}),
  description,
  detect: { headers: [] },
  match_by_name: true,
});

const CONVERTED_LINES = converted(
  'claim_lines',
  'claims',
  'The converter’s NDJSON: one canonical claim line per record.',
);
/** A file's pharmacy claims and 834 enrollments are jobs of their own (sources-records.md). */
const CONVERTED_PHARMACY_LINES = converted(
  'pharmacy_lines',
  'pharmacy',
  'The converter’s NDJSON of pharmacy claims: one dispensed line per record, published to pharmacy_claim.',
  'pharmacy_claim',
);
const CONVERTED_ENROLLMENT_SPANS = converted(
  'enrollment_spans',
  'members',
  'The converter’s NDJSON of X12 834 enrollments: one span per member coverage, published to eligibility.',
  'eligibility',
);

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

/** ASC X12 837 (professional and institutional) and 834 (enrollment), recognised by the ISA envelope. */
export const X12_837_PROFILE: SourceProfile = {
  name: 'x12-837',
  description:
    'ASC X12 005010 837P/837I claim files converted to canonical lines, and 834 benefit enrollments to eligibility spans (see sources-records.md).',
  kind: 'x12',
  layouts: [{ ...CONVERTED_LINES, never_carries: X12_837_NEVER_CARRIES }, CONVERTED_ENROLLMENT_SPANS],
};

/** FHIR R4 ExplanationOfBenefit / Claim resources, in a Bundle or as NDJSON. */
export const FHIR_EOB_PROFILE: SourceProfile = {
  name: 'fhir-eob',
  description:
    'FHIR R4 ExplanationOfBenefit and Claim resources (Bundle or NDJSON), converted to canonical lines: medical claims to medical_claim, pharmacy claims to pharmacy_claim.',
  kind: 'fhir',
  layouts: [CONVERTED_LINES, CONVERTED_PHARMACY_LINES],
};
