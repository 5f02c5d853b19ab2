import { type CanonicalColumn, PAYMENT_COLUMNS } from '../canonical-model.ts';

/** Tuva's pharmacy_claim input layer: every column, same names and order. */
export const PHARMACY_CLAIM_COLUMNS: readonly CanonicalColumn[] = [
  { name: 'claim_id', kind: 'id' },
  { name: 'claim_line_number', kind: 'integer' },
  { name: 'person_id', kind: 'id' },
  { name: 'member_id', kind: 'id' },
  { name: 'payer', kind: 'text' },
  { name: 'plan', kind: 'text' },
  { name: 'prescribing_provider_npi', kind: 'id' },
  { name: 'dispensing_provider_npi', kind: 'id' },
  { name: 'dispensing_date', kind: 'date' },
  { name: 'ndc_code', kind: 'ndc' },
  { name: 'quantity', kind: 'quantity' },
  { name: 'days_supply', kind: 'integer' },
  { name: 'refills', kind: 'integer' },
  ...PAYMENT_COLUMNS,
  { name: 'in_network_flag', kind: 'integer' },
  { name: 'data_source', kind: 'text' },
  { name: 'file_name', kind: 'text' },
  { name: 'file_date', kind: 'date' },
  { name: 'ingest_datetime', kind: 'timestamp' },
];

export const PHARMACY_REQUIRED_COLUMNS = ['claim_id', 'claim_line_number', 'person_id', 'dispensing_date'] as const;

/** Plausible bounds of a dispensing: NCPDP allows up to 999 days, a fill is rarely over a year. */
export const DAYS_SUPPLY_RANGE = { min: 1, max: 365 } as const;
/** Metric decimal units dispensed (NCPDP 9999999.999); above this is a keying error. */
export const QUANTITY_RANGE = { minExclusive: 0, max: 100_000 } as const;
