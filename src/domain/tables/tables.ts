import { AGGREGATIONS } from '../aggregations.ts';
import { CANONICAL_COLUMNS, REQUIRED_COLUMNS } from '../canonical-model.ts';
import { ENRICHMENTS } from '../enrichment.ts';
import { ROW_RULES } from '../rule-catalog.ts';
import { ELIGIBILITY_COLUMNS, ELIGIBILITY_REQUIRED_COLUMNS } from './eligibility-model.ts';
import { ELIGIBILITY_RULES } from './eligibility-rules.ts';
import { PHARMACY_CLAIM_COLUMNS, PHARMACY_REQUIRED_COLUMNS } from './pharmacy-claim-model.ts';
import { PHARMACY_RULES } from './pharmacy-rules.ts';
import { PROVIDER_COLUMNS, PROVIDER_REQUIRED_COLUMNS } from './provider-model.ts';
import { PROVIDER_RULES } from './provider-rules.ts';
import type { TableDescriptor } from './table-descriptor.ts';

export const MEDICAL_CLAIM_TABLE: TableDescriptor = {
  name: 'medical_claim',
  grain: 'one claim line (claim_id, claim_line_number) per data_source',
  columns: CANONICAL_COLUMNS,
  required: REQUIRED_COLUMNS,
  dedupeKey: ['claim_id', 'claim_line_number', 'data_source'],
  latestBy: 'paid_date',
  partitionDate: 'claim_start_date',
  rules: ROW_RULES,
  enrichments: ENRICHMENTS,
  monthlyAggregations: AGGREGATIONS,
  sampleIds: ['claim_id', 'claim_line_number'],
};

export const PHARMACY_CLAIM_TABLE: TableDescriptor = {
  name: 'pharmacy_claim',
  grain: 'one dispensed line (claim_id, claim_line_number) per data_source',
  columns: PHARMACY_CLAIM_COLUMNS,
  required: PHARMACY_REQUIRED_COLUMNS,
  dedupeKey: ['claim_id', 'claim_line_number', 'data_source'],
  latestBy: 'paid_date',
  partitionDate: 'dispensing_date',
  rules: PHARMACY_RULES,
  enrichments: [],
  monthlyAggregations: [],
  sampleIds: ['claim_id', 'claim_line_number'],
};

export const ELIGIBILITY_TABLE: TableDescriptor = {
  name: 'eligibility',
  grain:
    'one enrollment span of a member with a payer and plan (person_id, payer, plan, enrollment_start_date) per data_source',
  columns: ELIGIBILITY_COLUMNS,
  required: ELIGIBILITY_REQUIRED_COLUMNS,
  dedupeKey: ['person_id', 'payer', 'plan', 'enrollment_start_date', 'data_source'],
  latestBy: 'file_date',
  partitionDate: 'enrollment_start_date',
  rules: ELIGIBILITY_RULES,
  enrichments: [],
  monthlyAggregations: [],
  // A span has no identifier but its member's: samples show source row numbers only.
  sampleIds: null,
};

export const PROVIDER_TABLE: TableDescriptor = {
  name: 'provider',
  grain: 'one provider (npi) per data_source',
  columns: PROVIDER_COLUMNS,
  required: PROVIDER_REQUIRED_COLUMNS,
  dedupeKey: ['npi', 'data_source'],
  latestBy: 'last_updated',
  // A registry is a snapshot, not events, and a deactivated NPI's row has no enumeration or update
  // date: its files are filed by the month they were loaded in.
  partitionDate: 'ingest_datetime',
  rules: PROVIDER_RULES,
  enrichments: [],
  monthlyAggregations: [],
  // NPIs are public (the NPPES registry); a provider has no second identifier.
  sampleIds: ['npi', null],
};

/** Every published table; a new one is added here (and a layout names it), nothing else. */
export const TABLES: readonly TableDescriptor[] = [
  MEDICAL_CLAIM_TABLE,
  PHARMACY_CLAIM_TABLE,
  ELIGIBILITY_TABLE,
  PROVIDER_TABLE,
];

export function findTable(name: string): TableDescriptor | undefined {
  return TABLES.find((t) => t.name === name);
}

/** Every rule id of every table's catalog (what the config may override). */
export const ALL_ROW_RULE_IDS: ReadonlySet<string> = new Set(TABLES.flatMap((t) => t.rules.map((r) => r.id)));
