import { TAXONOMY_SLOTS } from '../tables/provider-model.ts';
import type { ColumnSource, PrepareStep, SourceProfile } from './source-profile.ts';

/**
 * NPPES's public data dissemination file (`npidata_pfile_*.csv`), as laid out in CMS's "NPPES Data
 * Dissemination – Readme", Exhibit 2-1 Data File Layout: one row per NPI, 330 columns, dates as
 * MM/DD/YYYY, up to 15 taxonomies each with a primary switch (Y, N, or X for not answered).
 */
const slots = Array.from({ length: TAXONOMY_SLOTS }, (_, i) => i + 1);
const taxonomyCode = (n: number): string => `Healthcare Provider Taxonomy Code_${n}`;
const primarySwitch = (n: number): string => `Healthcare Provider Primary Taxonomy Switch_${n}`;

/** The taxonomy whose switch is Y (the first such slot); NULL when none is marked primary. */
const PRIMARY_TAXONOMY: PrepareStep = {
  columns: ['_primary_taxonomy'],
  sql: (rows, sql, column) => {
    const marked = slots.map(
      (n) => `CASE WHEN UPPER(TRIM(${column(primarySwitch(n))})) = 'Y' THEN ${column(taxonomyCode(n))} END`,
    );
    return `(SELECT *, CAST(COALESCE(${marked.join(', ')}) AS ${sql.textType}) AS ${sql.quoteIdent('_primary_taxonomy')} FROM ${rows} AS r)`;
  },
};

const taxonomyColumns: Record<string, ColumnSource> = Object.fromEntries(
  slots.map((n) => [`taxonomy_code_${n}`, taxonomyCode(n)]),
);

export const NPPES_PROFILE: SourceProfile = {
  name: 'nppes',
  description: 'NPPES NPI data dissemination file (npidata_pfile): one provider per NPI, published to provider.',
  kind: 'tabular',
  layouts: [
    {
      id: 'npidata',
      role: 'providers',
      table: 'provider',
      description:
        'The monthly (or weekly) NPPES data file: names, practice location, dates and the 15 taxonomy slots; the primary taxonomy is the slot whose switch is Y.',
      detect: {
        headers: [
          'NPI',
          'Entity Type Code',
          'Provider Organization Name (Legal Business Name)',
          'Provider Last Name (Legal Name)',
          'Provider Enumeration Date',
          'Last Update Date',
          'NPI Deactivation Date',
          ...slots.flatMap((n) => [taxonomyCode(n), primarySwitch(n)]),
        ],
      },
      prepare: PRIMARY_TAXONOMY,
      columns: {
        npi: 'NPI',
        entity_type_code: 'Entity Type Code',
        replacement_npi: 'Replacement NPI',
        provider_organization_name: 'Provider Organization Name (Legal Business Name)',
        provider_last_name: 'Provider Last Name (Legal Name)',
        provider_first_name: 'Provider First Name',
        provider_middle_name: 'Provider Middle Name',
        provider_credential: 'Provider Credential Text',
        parent_organization_name: 'Parent Organization LBN',
        primary_taxonomy_code: '_primary_taxonomy',
        ...taxonomyColumns,
        practice_address_line_1: 'Provider First Line Business Practice Location Address',
        practice_address_line_2: 'Provider Second Line Business Practice Location Address',
        practice_city: 'Provider Business Practice Location Address City Name',
        practice_state: 'Provider Business Practice Location Address State Name',
        practice_zip_code: 'Provider Business Practice Location Address Postal Code',
        enumeration_date: 'Provider Enumeration Date',
        last_updated: 'Last Update Date',
        deactivation_date: 'NPI Deactivation Date',
        reactivation_date: 'NPI Reactivation Date',
      },
    },
  ],
};
