import { CLAIM_TYPES, columnsOfKind, REQUIRED_COLUMNS } from './canonical-model.ts';
import type { FileRule, RowRule, Rule, RuleContext } from './rule.ts';

const DATE_COLUMNS = columnsOfKind('date');
const AMOUNT_COLUMNS = columnsOfKind('amount');
const EARLIEST_PLAUSIBLE_DATE = '1900-01-01';

const anyOf = (columns: readonly string[], predicate: (column: string) => string): string =>
  `(${columns.map(predicate).join(' OR ')})`;

/** Source text is present but the typed value could not be made from it. */
const unparseable = (ctx: RuleContext, column: string): string =>
  `(${ctx.text(column)} IS NOT NULL AND ${ctx.value(column)} IS NULL)`;

export const ROW_RULES: readonly RowRule[] = [
  {
    id: 'malformed_row',
    scope: 'row',
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description: 'The source row could not be split into the header columns (too many or too few fields).',
    judgesMalformedRows: true,
    failsWhen: (ctx) => ctx.malformed,
  },
  {
    id: 'required_field_missing',
    scope: 'row',
    dimension: 'completeness',
    severity: 'high',
    action: 'quarantine',
    description: `One of ${REQUIRED_COLUMNS.join(', ')} is empty.`,
    failsWhen: (ctx) => anyOf(REQUIRED_COLUMNS, (c) => `${ctx.text(c)} IS NULL`),
  },
  {
    id: 'invalid_date_format',
    scope: 'row',
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description: 'A date is not in YYYY-MM-DD, YYYYMMDD, MM/DD/YYYY or DD-Mon-YYYY, or is not a calendar date.',
    failsWhen: (ctx) => anyOf(DATE_COLUMNS, (c) => unparseable(ctx, c)),
  },
  {
    id: 'date_out_of_range',
    scope: 'row',
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description: `A date is before ${EARLIEST_PLAUSIBLE_DATE} or after the run date.`,
    failsWhen: (ctx) =>
      anyOf(
        DATE_COLUMNS,
        (c) =>
          `(${ctx.value(c)} < ${ctx.sql.dateLiteral(EARLIEST_PLAUSIBLE_DATE)} OR ${ctx.value(c)} > ${ctx.runDate})`,
      ),
  },
  {
    id: 'claim_start_after_end',
    scope: 'row',
    dimension: 'consistency',
    severity: 'high',
    action: 'quarantine',
    description: 'claim_start_date is after claim_end_date.',
    failsWhen: (ctx) => `${ctx.value('claim_start_date')} > ${ctx.value('claim_end_date')}`,
  },
  {
    id: 'claim_line_start_after_end',
    scope: 'row',
    dimension: 'consistency',
    severity: 'high',
    action: 'quarantine',
    description: 'claim_line_start_date is after claim_line_end_date.',
    failsWhen: (ctx) => `${ctx.value('claim_line_start_date')} > ${ctx.value('claim_line_end_date')}`,
  },
  {
    id: 'invalid_claim_line_number',
    scope: 'row',
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description: 'claim_line_number is not a whole number of at least 1.',
    failsWhen: (ctx) => `(${unparseable(ctx, 'claim_line_number')} OR ${ctx.value('claim_line_number')} < 1)`,
  },
  {
    id: 'invalid_amount',
    scope: 'row',
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description: 'An amount is not a number that fits DECIMAL(12,2).',
    failsWhen: (ctx) => anyOf(AMOUNT_COLUMNS, (c) => unparseable(ctx, c)),
  },
  {
    id: 'invalid_claim_type',
    scope: 'row',
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description: `claim_type is not one of ${CLAIM_TYPES.join(', ')}.`,
    failsWhen: (ctx) =>
      `${ctx.value('claim_type')} NOT IN (${CLAIM_TYPES.map((t) => ctx.sql.stringLiteral(t)).join(', ')})`,
  },
  {
    id: 'negative_amount',
    scope: 'row',
    dimension: 'validity',
    severity: 'low',
    action: 'warn',
    description: 'An amount is negative (a reversal or adjustment line).',
    failsWhen: (ctx) => anyOf(AMOUNT_COLUMNS, (c) => `${ctx.value(c)} < 0`),
  },
];

export const CONFLICTING_DUPLICATE_KEY = 'conflicting_duplicate_key';

export const FILE_RULES: readonly FileRule[] = [
  {
    id: 'missing_required_column',
    scope: 'file',
    dimension: 'completeness',
    severity: 'critical',
    action: 'halt',
    description: 'The header lacks a required column.',
  },
  {
    id: 'empty_file',
    scope: 'file',
    dimension: 'completeness',
    severity: 'high',
    action: 'halt',
    description: 'The file has no data rows.',
  },
  {
    id: 'unreadable_file',
    scope: 'file',
    dimension: 'validity',
    severity: 'critical',
    action: 'halt',
    description: 'The file cannot be read as CSV, JSON or NDJSON (binary, bad encoding, bad compression).',
  },
  {
    id: 'error_rate_exceeded',
    scope: 'file',
    dimension: 'validity',
    severity: 'high',
    action: 'halt',
    description: "The share of quarantined rows is over the file's threshold.",
  },
];

/** Dedupe outcome, reported like a rule so its count shows with the others. */
export const DEDUPE_RULES: readonly Rule[] = [
  {
    id: CONFLICTING_DUPLICATE_KEY,
    scope: 'file',
    dimension: 'uniqueness',
    severity: 'medium',
    action: 'warn',
    description:
      'Lines share (claim_id, claim_line_number, data_source) but differ; the one with the latest paid_date (then the later source row) is kept.',
  },
];

export type FileRuleId = (typeof FILE_RULES)[number]['id'];
