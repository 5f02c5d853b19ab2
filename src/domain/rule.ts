import type { CodeSetName } from './code-sets.ts';
import type { SqlDialect } from './sql-dialect.ts';

export type RuleAction = 'quarantine' | 'warn' | 'halt';
export type RuleSeverity = 'critical' | 'high' | 'medium' | 'low';
/** See RuleThresholds.timelyFilingBasis. */
export const TIMELY_FILING_BASES = ['paid_date', 'run_date'] as const;
export type TimelyFilingBasis = (typeof TIMELY_FILING_BASES)[number];
export type RuleDimension = 'completeness' | 'validity' | 'consistency' | 'uniqueness' | 'timeliness';

/**
 * What a row predicate may refer to. `value` is the normalised, typed column; `text` is the
 * trimmed source text (NULL when it only looks present: blank, zero-width, a null spelling; see
 * value-notation.ts), so a rule can tell "missing" from "unparseable".
 */
export interface RuleContext {
  readonly sql: SqlDialect;
  value(column: string): string;
  text(column: string): string;
  /** TRUE when the row could not be split into the header's columns. */
  readonly malformed: string;
  /** The run date as a SQL DATE literal (the upper bound for plausible dates). */
  readonly runDate: string;
  readonly thresholds: RuleThresholds;
  /**
   * TRUE when the column's value is in the reference list, NULL when the value is (only for rules
   * that declare `requires`). A column, not an expression: the plan looks up each distinct value
   * of the file's code columns once, not every row's.
   */
  inCodeSet(column: string, set: CodeSetName): string;
  /** TRUE when the column takes more than one value among the lines of the row's claim. */
  variesWithinClaim(column: string): string;
  /**
   * `aggregate` (such as `MAX(x)`, over typed values) across the rows before this one that share
   * the values of `partitionBy`, in `orderBy` order then source row; with `previous`, only the
   * row just before. A window: judges a row against its neighbours set-based, in either engine.
   */
  overEarlierRows(
    aggregate: string,
    partitionBy: readonly string[],
    orderBy: readonly string[],
    previous?: boolean,
  ): string;
}

/** Tunable limits of some rules, set in the config file. */
export interface RuleThresholds {
  /** ISO date; earlier dates are out of range. */
  readonly earliestDate: string;
  /** Largest difference between allowed and its parts before the breakdown is flagged. */
  readonly amountTolerance: number;
  /** Days after the claim's end beyond which it is late. */
  readonly timelyFilingDays: number;
  /**
   * What late_claim counts those days up to: the claim's own `paid_date` (a historical file is as
   * timely as it was when paid), or the run date (how stale the claim is when it arrives here).
   */
  readonly timelyFilingBasis: TimelyFilingBasis;
}

interface RuleBase {
  readonly id: string;
  readonly dimension: RuleDimension;
  readonly severity: RuleSeverity;
  readonly action: RuleAction;
  readonly description: string;
  /** The standard or reference the rule comes from. */
  readonly source: string;
}

/**
 * The canonical columns a rule judges: each entry is a column it cannot judge a row without, or a
 * group of columns of which it judges whichever are carried. A source that never carries an entry
 * (a column, or every column of a group) gives the rule nothing to judge: it is skipped there.
 */
export type NeededColumns = ReadonlyArray<string | readonly string[]>;

/** A row rule is a SQL predicate, TRUE when the row breaks the rule; NULL counts as a pass. */
export interface RowRule extends RuleBase {
  readonly scope: 'row';
  /** What the predicate judges (for some rules, depending on the thresholds); rule-needs.test.ts checks it against the SQL. */
  readonly needs: NeededColumns | ((thresholds: RuleThresholds) => NeededColumns);
  /** Columns the predicate also reads, only to narrow what it judges (a code type): their absence skips nothing. */
  readonly alsoReads?: readonly string[];
  /**
   * Whether the rule judges rows that could not be split into columns. Other rules skip
   * them: their fields are unknown, not missing.
   */
  readonly judgesMalformedRows?: boolean;
  /** The reference list the rule needs; without it the rule is skipped and the report says so. */
  readonly requires?: CodeSetName;
  failsWhen(ctx: RuleContext): string;
}

/** File rules are decided by the pipeline from the file as a whole (header, size, error rate). */
export interface FileRule extends RuleBase {
  readonly scope: 'file';
}

export type Rule = RowRule | FileRule;
