import type { SqlDialect } from '../plan/dialect.ts';

export type RuleAction = 'quarantine' | 'warn' | 'halt';
export type RuleSeverity = 'critical' | 'high' | 'medium' | 'low';
export type RuleDimension = 'completeness' | 'validity' | 'consistency' | 'uniqueness' | 'timeliness';

/**
 * What a row predicate may refer to. `value` is the normalised, typed column; `text` is the
 * trimmed source text (NULL when blank), so a rule can tell "missing" from "unparseable".
 */
export interface RuleContext {
  readonly sql: SqlDialect;
  value(column: string): string;
  text(column: string): string;
  /** TRUE when the row could not be split into the header's columns. */
  readonly malformed: string;
  /** The run date as a SQL DATE literal (the upper bound for plausible dates). */
  readonly runDate: string;
}

interface RuleBase {
  readonly id: string;
  readonly dimension: RuleDimension;
  readonly severity: RuleSeverity;
  readonly action: RuleAction;
  readonly description: string;
}

/** A row rule is a SQL predicate, TRUE when the row breaks the rule; NULL counts as a pass. */
export interface RowRule extends RuleBase {
  readonly scope: 'row';
  /**
   * Whether the rule judges rows that could not be split into columns. Other rules skip
   * them: their fields are unknown, not missing.
   */
  readonly judgesMalformedRows?: boolean;
  failsWhen(ctx: RuleContext): string;
}

/** File rules are decided by the pipeline from the file as a whole (header, size, error rate). */
export interface FileRule extends RuleBase {
  readonly scope: 'file';
}

export type Rule = RowRule | FileRule;
