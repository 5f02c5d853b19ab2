import { isSkippedForWantOfList } from '../domain/resolve-rules.ts';
import { sourceLackingNeeds } from '../domain/rule-needs.ts';
import type { ValidationReport } from './validation-report.ts';

/** A file's verdict, as dbt and Soda print them: passed, passed with warnings, failed, errored. */
export type Verdict = 'pass' | 'warn' | 'fail' | 'error';

/** Opt-in quality gates: a file that passes the rules can still fail the run's step. */
export interface Gates {
  /** `warn`: a file with quarantined rows or warnings fails too. */
  readonly failOn: 'fail' | 'warn';
  /** Largest share of a file's rows that may be quarantined (0 to 1). */
  readonly maxQuarantineRate?: number;
  /** Lowest quality score (0 to 100) a file may have. */
  readonly minScore?: number;
}

export interface FileSignal {
  readonly verdict: Verdict;
  /** Each gate the file failed, worded `--flag value: what the file had`. */
  readonly gatesFailed: readonly string[];
  /** False for companion files (members, pharmacy...): checked, not published, not in the run's totals. */
  readonly counted: boolean;
}

const percent = (share: number): string => `${Number((share * 100).toFixed(2))}%`;

/** Whether a report's rows are the run's claim lines (companion files are checked, not published). */
export function isCounted(report: ValidationReport | null): boolean {
  return report?.profile?.published !== false;
}

/** A file's verdict under the gates, from how its job ended and its report. */
export function judgeFile(
  outcome: { readonly failure: 'data' | 'system' | null; readonly report: ValidationReport | null },
  gates: Gates,
): FileSignal {
  const { report } = outcome;
  const counted = isCounted(report);
  if (outcome.failure === 'system' || !report) return { verdict: 'error', gatesFailed: [], counted };
  if (outcome.failure === 'data') return { verdict: 'fail', gatesFailed: [], counted };
  const { total_records: total, error_records: quarantined } = report.summary;
  const warned = report.rules.filter((r) => r.action === 'warn' && r.row_count > 0);
  const warns = quarantined > 0 || warned.length > 0;
  const failed: string[] = [];
  if (gates.failOn === 'warn' && warns)
    failed.push(
      `--fail-on warn: ${quarantined > 0 ? `${quarantined} row${quarantined === 1 ? '' : 's'} quarantined` : `warnings from ${warned.map((r) => r.rule_id).join(', ')}`}`,
    );
  if (gates.maxQuarantineRate !== undefined && total > 0 && quarantined / total > gates.maxQuarantineRate)
    failed.push(
      `--max-quarantine-rate ${percent(gates.maxQuarantineRate)}: ${((quarantined / total) * 100).toFixed(2)}% of rows quarantined`,
    );
  if (gates.minScore !== undefined && report.quality && report.quality.score < gates.minScore)
    failed.push(`--min-score ${gates.minScore}: quality ${report.quality.score}`);
  return { verdict: failed.length > 0 ? 'fail' : warns ? 'warn' : 'pass', gatesFailed: failed, counted };
}

export interface RuleTally {
  readonly rule_id: string;
  readonly action: string;
  readonly rows: number;
}

/** The rules that failed most rows over all the reports, most first. */
export function topFailingRules(reports: ReadonlyArray<ValidationReport | null>, limit = 5): RuleTally[] {
  const tally = new Map<string, RuleTally>();
  for (const report of reports)
    for (const rule of report?.rules ?? []) {
      if (rule.row_count === 0) continue;
      const seen = tally.get(rule.rule_id);
      tally.set(rule.rule_id, { rule_id: rule.rule_id, action: rule.action, rows: (seen?.rows ?? 0) + rule.row_count });
    }
  return [...tally.values()].sort((a, b) => b.rows - a.rows || a.rule_id.localeCompare(b.rule_id)).slice(0, limit);
}

/** Rules skipped in any file because their reference list was not loaded. */
export function rulesWantingLists(reports: ReadonlyArray<ValidationReport | null>): string[] {
  const ids = new Set<string>();
  for (const report of reports)
    for (const s of report?.skipped_rules ?? []) if (isSkippedForWantOfList(s.reason)) ids.add(s.rule_id);
  return [...ids].sort();
}

/** Rules skipped because a source never carries what they judge, by source (`profile/layout`). */
export function rulesSourcesCannotFeed(reports: ReadonlyArray<ValidationReport | null>): Map<string, string[]> {
  const bySource = new Map<string, Set<string>>();
  for (const report of reports)
    for (const s of report?.skipped_rules ?? []) {
      const source = sourceLackingNeeds(s.reason);
      if (source) bySource.set(source, (bySource.get(source) ?? new Set()).add(s.rule_id));
    }
  return new Map([...bySource].sort(([a], [b]) => a.localeCompare(b)).map(([source, ids]) => [source, [...ids]]));
}
