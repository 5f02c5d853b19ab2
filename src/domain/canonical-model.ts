/**
 * The canonical claim-line model: the Tuva Project input layer `medical_claim`
 * (all of its columns, same names and order) plus optional `birth_date` and `gender`.
 * Each column has a kind that decides how its text is normalised and typed.
 */
export type ColumnKind =
  | 'id' // trimmed text, case kept
  | 'code' // trimmed, upper-cased
  | 'ndc' // National Drug Code: 11 digits, hyphenated 10-digit forms padded to 11
  | 'icd' // trimmed, upper-cased, dots removed
  | 'label' // trimmed, lower-cased (claim_type, code types, gender)
  | 'text' // trimmed text
  | 'date'
  | 'timestamp'
  | 'amount' // DECIMAL(12,2)
  | 'quantity' // DECIMAL(12,3)
  | 'integer';

export interface CanonicalColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** Digits of a numeric code: shorter values are zero-padded, one extra leading zero dropped. */
  readonly width?: number;
}

/** `prefix_1` … `prefix_<count>`, all of one kind (repeated slots of a source). */
export const numbered = (prefix: string, kind: ColumnKind, count = 25): CanonicalColumn[] =>
  Array.from({ length: count }, (_, i) => ({ name: `${prefix}_${i + 1}`, kind }));

/** The payment and cost-share columns medical_claim and pharmacy_claim share, in Tuva's order. */
export const PAYMENT_COLUMNS: readonly CanonicalColumn[] = [
  { name: 'paid_date', kind: 'date' },
  { name: 'paid_amount', kind: 'amount' },
  { name: 'allowed_amount', kind: 'amount' },
  { name: 'charge_amount', kind: 'amount' },
  { name: 'coinsurance_amount', kind: 'amount' },
  { name: 'copayment_amount', kind: 'amount' },
  { name: 'deductible_amount', kind: 'amount' },
];

export const CANONICAL_COLUMNS: readonly CanonicalColumn[] = [
  { name: 'claim_id', kind: 'id' },
  { name: 'claim_line_number', kind: 'integer' },
  { name: 'claim_type', kind: 'label' },
  { name: 'person_id', kind: 'id' },
  { name: 'member_id', kind: 'id' },
  { name: 'payer', kind: 'text' },
  { name: 'plan', kind: 'text' },
  { name: 'claim_start_date', kind: 'date' },
  { name: 'claim_end_date', kind: 'date' },
  { name: 'claim_line_start_date', kind: 'date' },
  { name: 'claim_line_end_date', kind: 'date' },
  { name: 'admission_date', kind: 'date' },
  { name: 'discharge_date', kind: 'date' },
  { name: 'admit_source_code', kind: 'code' },
  { name: 'admit_type_code', kind: 'code' },
  { name: 'discharge_disposition_code', kind: 'code' },
  { name: 'place_of_service_code', kind: 'code', width: 2 },
  { name: 'bill_type_code', kind: 'code', width: 3 },
  { name: 'drg_code_type', kind: 'label' },
  { name: 'drg_code', kind: 'code', width: 3 },
  { name: 'revenue_center_code', kind: 'code', width: 4 },
  { name: 'service_unit_quantity', kind: 'quantity' },
  { name: 'hcpcs_code', kind: 'code' },
  ...numbered('hcpcs_modifier', 'code', 5),
  { name: 'rendering_npi', kind: 'id' },
  { name: 'rendering_tin', kind: 'id' },
  { name: 'billing_npi', kind: 'id' },
  { name: 'billing_tin', kind: 'id' },
  { name: 'facility_npi', kind: 'id' },
  ...PAYMENT_COLUMNS,
  { name: 'total_cost_amount', kind: 'amount' },
  { name: 'diagnosis_code_type', kind: 'label' },
  ...numbered('diagnosis_code', 'icd'),
  ...numbered('diagnosis_poa', 'code'),
  { name: 'procedure_code_type', kind: 'label' },
  ...numbered('procedure_code', 'icd'),
  ...numbered('procedure_date', 'date'),
  { name: 'in_network_flag', kind: 'integer' },
  { name: 'data_source', kind: 'text' },
  { name: 'file_name', kind: 'text' },
  { name: 'file_date', kind: 'date' },
  { name: 'ingest_datetime', kind: 'timestamp' },
  // Not in Tuva's medical_claim; optional demographics some feeds carry on the line.
  { name: 'birth_date', kind: 'date' },
  { name: 'gender', kind: 'label' },
];

export const REQUIRED_COLUMNS = [
  'claim_id',
  'claim_line_number',
  'claim_type',
  'person_id',
  'claim_start_date',
  'claim_end_date',
] as const;

/** Lineage columns: the pipeline sets them (data_source only when the row carries none). */
export const LINEAGE_COLUMNS = ['file_name', 'source_row_number', 'job_id', 'ingest_datetime', 'data_source'] as const;
const LINEAGE_SET = new Set<string>(LINEAGE_COLUMNS);

/** Canonical columns a file lacks, not counting lineage, which the pipeline fills itself. */
export function countMissingOptionalColumns(
  present: ReadonlySet<string>,
  columns: readonly CanonicalColumn[] = CANONICAL_COLUMNS,
): number {
  return columns.filter((c) => !present.has(c.name) && !LINEAGE_SET.has(c.name)).length;
}

const icdColumns = (prefix: string): string[] =>
  CANONICAL_COLUMNS.filter((c) => c.name.startsWith(prefix) && c.kind === 'icd').map((c) => c.name);
export const DIAGNOSIS_COLUMNS = icdColumns('diagnosis_code_');
export const PROCEDURE_COLUMNS = icdColumns('procedure_code_');
export const NPI_COLUMNS = ['rendering_npi', 'billing_npi', 'facility_npi'] as const;
/** Columns that identify the member, replaced by keyed tokens in pseudonymized outputs. */
export const MEMBER_IDENTIFIER_COLUMNS = ['person_id', 'member_id'] as const;
export const GENDERS = ['male', 'female', 'unknown', 'other', 'm', 'f', 'u', 'o'] as const;

export const CLAIM_TYPES = ['professional', 'institutional', 'dental', 'vision'] as const;

const byName = new Map(CANONICAL_COLUMNS.map((c) => [c.name, c]));

export function findCanonicalColumn(name: string): CanonicalColumn | undefined {
  return byName.get(name);
}

export function columnsOfKind(...kinds: ColumnKind[]): string[] {
  return CANONICAL_COLUMNS.filter((c) => kinds.includes(c.kind)).map((c) => c.name);
}

/** Required columns absent from a file's column names (matched as `normalizeHeaderName` does). */
export function missingRequiredColumns(sourceNames: readonly string[]): string[] {
  const present = new Set(sourceNames.map(normalizeHeaderName));
  return REQUIRED_COLUMNS.filter((c) => !present.has(c));
}

/** How a source header is matched to a canonical name: case, spaces and dashes do not matter. */
export function normalizeHeaderName(header: string): string {
  return header
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}
