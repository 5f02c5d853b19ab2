import { type CanonicalColumn, numbered } from '../canonical-model.ts';

/** NPPES lists up to 15 taxonomies per NPI (Healthcare Provider Taxonomy Code_1 … _15). */
export const TAXONOMY_SLOTS = 15;

/**
 * The provider table: one row per NPI. Names follow the Tuva terminology `provider` table where
 * it has the column (npi, entity_type_code, primary_taxonomy_code, provider_*_name,
 * practice_*, last_updated, deactivation_date); the rest are ours (docs/canonical-model.md).
 */
export const PROVIDER_COLUMNS: readonly CanonicalColumn[] = [
  { name: 'npi', kind: 'id' },
  { name: 'entity_type_code', kind: 'code' },
  { name: 'replacement_npi', kind: 'id' },
  { name: 'provider_organization_name', kind: 'text' },
  { name: 'provider_last_name', kind: 'text' },
  { name: 'provider_first_name', kind: 'text' },
  { name: 'provider_middle_name', kind: 'text' },
  { name: 'provider_credential', kind: 'text' },
  { name: 'parent_organization_name', kind: 'text' },
  { name: 'primary_taxonomy_code', kind: 'code' },
  ...numbered('taxonomy_code', 'code', TAXONOMY_SLOTS),
  { name: 'practice_address_line_1', kind: 'text' },
  { name: 'practice_address_line_2', kind: 'text' },
  { name: 'practice_city', kind: 'text' },
  { name: 'practice_state', kind: 'code' },
  { name: 'practice_zip_code', kind: 'id' },
  { name: 'enumeration_date', kind: 'date' },
  { name: 'last_updated', kind: 'date' },
  { name: 'deactivation_date', kind: 'date' },
  { name: 'reactivation_date', kind: 'date' },
  { name: 'data_source', kind: 'text' },
  { name: 'file_name', kind: 'text' },
  { name: 'file_date', kind: 'date' },
  { name: 'ingest_datetime', kind: 'timestamp' },
];

export const PROVIDER_REQUIRED_COLUMNS = ['npi'] as const;

/** NPPES Entity Type Code: 1 an individual (a person), 2 an organization. */
export const ENTITY_TYPES = { individual: '1', organization: '2' } as const;

/** The taxonomy columns a row may fill: the primary one and every slot. */
export const TAXONOMY_COLUMNS: readonly string[] = PROVIDER_COLUMNS.filter(
  (c) => c.name === 'primary_taxonomy_code' || c.name.startsWith('taxonomy_code_'),
).map((c) => c.name);
