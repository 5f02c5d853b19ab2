import { REQUIRED_COLUMNS } from '../canonical-model.ts';
import { tableOfLayout } from '../tables/layout-table.ts';
import type { TableDescriptor } from '../tables/table-descriptor.ts';
import type { FileRole, SourceLayout } from './source-profile.ts';

export interface RoleSpec {
  /** Canonical columns the layout must fill, else the file is rejected (missing_required_column). */
  readonly required: readonly string[];
  /** The row rules that apply (by id); `all` for claim lines. */
  readonly rules: 'all' | ReadonlySet<string>;
  /** Whether its rows are deduplicated and published as claim lines. */
  readonly published: boolean;
}

/** Rules about a member's own fields, for eligibility rows that carry no claim. */
const MEMBER_RULES = ['malformed_row', 'invalid_date_format', 'date_out_of_range', 'invalid_gender'];

/** The claim-line rules that a pharmacy claim can break (it has no claim type, codes or places of service). */
const PHARMACY_RULES = [
  ...MEMBER_RULES,
  'claim_start_after_end',
  'invalid_claim_line_number',
  'invalid_amount',
  'invalid_npi',
  'invalid_units',
  'multiple_persons_per_claim',
  'negative_amount',
  'paid_exceeds_allowed',
  'allowed_exceeds_charge',
  'amount_breakdown_mismatch',
  'paid_before_service',
  'invalid_in_network_flag',
  'late_claim',
];

export const FILE_ROLES: Readonly<Record<FileRole, RoleSpec>> = {
  claims: { required: REQUIRED_COLUMNS, rules: 'all', published: true },
  members: { required: ['person_id'], rules: new Set(MEMBER_RULES), published: false },
  pharmacy: {
    required: ['claim_id', 'claim_line_number', 'person_id', 'claim_start_date'],
    rules: new Set(PHARMACY_RULES),
    published: false,
  },
  providers: { required: [], rules: new Set(['malformed_row']), published: false },
  reference: { required: [], rules: new Set(['malformed_row']), published: false },
};

/** Whether a row rule runs on files of this role. */
export function ruleAppliesTo(role: FileRole, ruleId: string): boolean {
  const { rules } = FILE_ROLES[role];
  return rules === 'all' || rules.has(ruleId);
}

/** What a layout's files are held to and give: the table they fill, checked and (maybe) published. */
export interface LayoutSpec extends RoleSpec {
  readonly table: TableDescriptor;
}

/**
 * A layout that names a table is held to that table's required columns and its whole rule catalog,
 * and its rows are published to it; one that does not is held to its role's (medical_claim's
 * columns, the role's rules).
 */
export function specOfLayout(layout: Pick<SourceLayout, 'id' | 'role' | 'table'>): LayoutSpec {
  const table = tableOfLayout(layout);
  if (layout.table === undefined) return { ...FILE_ROLES[layout.role], table };
  return { required: table.required, rules: 'all', published: true, table };
}
