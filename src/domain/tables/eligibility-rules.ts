import {
  anyOf,
  dateFormatRule,
  dateRangeRule,
  invalidGenderRule,
  malformedRowRule,
  requiredFieldRule,
} from '../common-rules.ts';
import type { RowRule, RuleContext } from '../rule.ts';
import { ELIGIBILITY_COLUMNS, ELIGIBILITY_REQUIRED_COLUMNS, REQUIRED_DEMOGRAPHICS } from './eligibility-model.ts';
import { tableColumnsOfKind } from './table-descriptor.ts';

/** A member's spans with one payer, in start order (then end, then source row). */
const spanWindow = (ctx: RuleContext, aggregate: string, previous = false): string =>
  ctx.overEarlierRows(
    aggregate,
    [ctx.value('person_id'), ctx.value('payer')],
    [ctx.value('enrollment_start_date'), ctx.value('enrollment_end_date')],
    previous,
  );

/**
 * The latest end among the member's earlier spans with the payer, or NULL when the span just before
 * is this one again (an exact copy is dedupe's to drop, not an overlap).
 */
function latestEarlierEnd(ctx: RuleContext): string {
  const start = ctx.value('enrollment_start_date');
  const end = ctx.value('enrollment_end_date');
  const repeat = `(${spanWindow(ctx, `MAX(${start})`, true)} = ${start} AND ${spanWindow(ctx, `MAX(${end})`, true)} = ${end})`;
  return `CASE WHEN ${repeat} THEN NULL ELSE ${spanWindow(ctx, `MAX(${end})`)} END`;
}

const ENROLLMENT_SOURCE = 'Tuva data quality checks (eligibility enrollment spans)';
/** A span is judged against the member's earlier spans; the payer only narrows which (without one, all of the member's). */
const SPAN_NEEDS = ['person_id', 'enrollment_start_date', 'enrollment_end_date'];
const SPAN_ALSO_READS = ['payer'];

/** The eligibility rule catalog (docs/rules.md). */
export const ELIGIBILITY_RULES: readonly RowRule[] = [
  malformedRowRule(),
  requiredFieldRule(ELIGIBILITY_REQUIRED_COLUMNS),
  dateFormatRule(tableColumnsOfKind(ELIGIBILITY_COLUMNS, 'date')),
  // An enrollment may run into the future (an open span ends 9999-12-31 in some feeds).
  dateRangeRule(tableColumnsOfKind(ELIGIBILITY_COLUMNS, 'date'), ['enrollment_end_date']),
  {
    id: 'enrollment_start_after_end',
    needs: ['enrollment_start_date', 'enrollment_end_date'],
    source: ENROLLMENT_SOURCE,
    scope: 'row',
    dimension: 'consistency',
    severity: 'high',
    action: 'quarantine',
    description: 'enrollment_start_date is after enrollment_end_date.',
    failsWhen: (ctx) => `${ctx.value('enrollment_start_date')} > ${ctx.value('enrollment_end_date')}`,
  },
  {
    id: 'overlapping_enrollment',
    needs: SPAN_NEEDS,
    alsoReads: SPAN_ALSO_READS,
    source: ENROLLMENT_SOURCE,
    scope: 'row',
    dimension: 'consistency',
    severity: 'medium',
    action: 'quarantine',
    description:
      'The span starts on or before the end of an earlier span of the same member (person_id) with the same payer, so its months would count twice; the later span (by start, end, source row) is flagged. An exact copy of the span before is left to dedupe.',
    failsWhen: (ctx) => `${latestEarlierEnd(ctx)} >= ${ctx.value('enrollment_start_date')}`,
  },
  {
    id: 'enrollment_gap',
    needs: SPAN_NEEDS,
    alsoReads: SPAN_ALSO_READS,
    source: ENROLLMENT_SOURCE,
    scope: 'row',
    dimension: 'consistency',
    severity: 'low',
    action: 'warn',
    description:
      'The span starts more than one day after the latest end of the same member’s earlier spans with the same payer: the member had no coverage in between.',
    failsWhen: (ctx) => `${ctx.sql.daysBetween(latestEarlierEnd(ctx), ctx.value('enrollment_start_date'))} > 1`,
  },
  {
    id: 'missing_demographics',
    // Each is judged on its own: a layout without one would fail every row for what it lacks.
    needs: REQUIRED_DEMOGRAPHICS,
    source: 'Tuva input layer: eligibility birth_date and gender',
    scope: 'row',
    dimension: 'completeness',
    severity: 'medium',
    action: 'quarantine',
    description: `One of ${REQUIRED_DEMOGRAPHICS.join(', ')} is empty (or a null spelling): age and sex drive every per-member analytic.`,
    failsWhen: (ctx) => anyOf(REQUIRED_DEMOGRAPHICS, (c) => `${ctx.text(c)} IS NULL`),
  },
  invalidGenderRule(),
];
