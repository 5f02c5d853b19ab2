import type { MonitoredReport } from './monitoring-snapshot.ts';

/** Rules listed on the dashboard's "top failing rules" panel. */
export const TOP_RULES = 10;

/** One rule's failures summed over jobs. */
export interface RuleTally {
  readonly rule_id: string;
  /** The action of the rule in the latest report that ran it (quarantine, warn, halt). */
  readonly action: string;
  /** Rows that broke it (for a file rule, the files it rejected). */
  readonly rows: number;
  /** Files with at least one such row. */
  readonly files: number;
}

/** Pure: the rules that failed the most rows over these reports, most first (ties by rule id). */
export function rankFailingRules(reports: readonly MonitoredReport[]): RuleTally[] {
  const tallies = new Map<string, RuleTally & { at: string }>();
  for (const report of reports)
    for (const rule of report.rules) {
      if (rule.row_count <= 0) continue;
      const seen = tallies.get(rule.rule_id);
      const latest = !seen || report.finished_at > seen.at;
      tallies.set(rule.rule_id, {
        rule_id: rule.rule_id,
        action: latest ? rule.action : (seen?.action ?? rule.action),
        rows: (seen?.rows ?? 0) + rule.row_count,
        files: (seen?.files ?? 0) + 1,
        at: latest ? report.finished_at : (seen?.at ?? report.finished_at),
      });
    }
  return [...tallies.values()]
    .sort((a, b) => b.rows - a.rows || a.rule_id.localeCompare(b.rule_id))
    .slice(0, TOP_RULES)
    .map(({ at: _at, ...tally }) => tally);
}
