import type { RowRule } from '../domain/rule.ts';
import type { ValidationReport } from './validation-report.ts';

/** Why a file is rejected whole: the file rule that halted it and a reason without claim values. */
export type FileHalt = NonNullable<ValidationReport['file_error']>;

/** What the checks counted, as far as the file-level decision needs it. */
export interface CheckedCounts {
  readonly total: number;
  readonly quarantined: number;
  /** Rows failing each rule, by rule id. */
  readonly counts: ReadonlyMap<string, number>;
}

/** A file whose rows were read but which holds none: decided before the rules are counted. */
export function judgeRowCount(total: number): FileHalt | null {
  return total === 0 ? { rule_id: 'empty_file', reason: 'the file has a header but no data rows' } : null;
}

/**
 * The file-level halts after the rules are counted: a rule whose action is `halt` that any row
 * broke, then a share of quarantined rows above the threshold. Null when the file may be published.
 */
export function judgeCheckedRows(
  checked: CheckedCounts,
  rules: readonly RowRule[],
  errorRateThreshold: number,
): FileHalt | null {
  const { total, quarantined, counts } = checked;
  const halting = rules.find((r) => r.action === 'halt' && (counts.get(r.id) ?? 0) > 0);
  if (halting) {
    return { rule_id: halting.id, reason: `${counts.get(halting.id)} row(s) broke a rule whose action is halt` };
  }
  const rate = quarantined / total;
  if (rate > errorRateThreshold) {
    return {
      rule_id: 'error_rate_exceeded',
      reason: `${quarantined} of ${total} rows (${(rate * 100).toFixed(2)}%) failed validation, over the threshold of ${(errorRateThreshold * 100).toFixed(2)}%`,
    };
  }
  return null;
}
