import type { CanonicalColumn } from '../canonical-model.ts';

/** Tuva's eligibility input layer: every column, same names and order. One row per enrollment span. */
export const ELIGIBILITY_COLUMNS: readonly CanonicalColumn[] = [
  { name: 'person_id', kind: 'id' },
  { name: 'member_id', kind: 'id' },
  { name: 'subscriber_id', kind: 'id' },
  { name: 'gender', kind: 'label' },
  { name: 'race', kind: 'label' },
  { name: 'birth_date', kind: 'date' },
  { name: 'death_date', kind: 'date' },
  { name: 'death_flag', kind: 'integer' },
  { name: 'enrollment_start_date', kind: 'date' },
  { name: 'enrollment_end_date', kind: 'date' },
  { name: 'payer', kind: 'text' },
  { name: 'payer_type', kind: 'label' },
  { name: 'plan', kind: 'text' },
  { name: 'original_reason_entitlement_code', kind: 'code' },
  { name: 'dual_status_code', kind: 'code' },
  { name: 'medicare_status_code', kind: 'code' },
  { name: 'group_id', kind: 'id' },
  { name: 'group_name', kind: 'text' },
  { name: 'name_suffix', kind: 'text' },
  { name: 'first_name', kind: 'text' },
  { name: 'middle_name', kind: 'text' },
  { name: 'last_name', kind: 'text' },
  { name: 'social_security_number', kind: 'id' },
  { name: 'subscriber_relation', kind: 'text' },
  { name: 'address', kind: 'text' },
  { name: 'city', kind: 'text' },
  { name: 'state', kind: 'text' },
  { name: 'zip_code', kind: 'id' },
  { name: 'phone', kind: 'id' },
  { name: 'email', kind: 'text' },
  { name: 'ethnicity', kind: 'text' },
  { name: 'data_source', kind: 'text' },
  { name: 'file_name', kind: 'text' },
  { name: 'file_date', kind: 'date' },
  { name: 'ingest_datetime', kind: 'timestamp' },
  { name: 'enrollment_status', kind: 'text' },
  { name: 'hospice_flag', kind: 'integer' },
  { name: 'institutional_snp_flag', kind: 'integer' },
  { name: 'long_term_institutional_flag', kind: 'integer' },
];

export const ELIGIBILITY_REQUIRED_COLUMNS = ['person_id', 'enrollment_start_date', 'enrollment_end_date'] as const;
/** Demographics every member needs (age and sex drive risk adjustment and member-month analytics). */
export const REQUIRED_DEMOGRAPHICS = ['birth_date', 'gender'] as const;
