import type { CodeSetName } from './code-sets.ts';
import type { RowRule, RuleAction, RuleSeverity } from './rule.ts';

export interface RuleOverride {
  readonly action?: RuleAction;
  readonly severity?: RuleSeverity;
  readonly enabled?: boolean;
}

export interface ResolvedRules {
  readonly rules: readonly RowRule[];
  readonly skipped: ReadonlyArray<{ readonly rule_id: string; readonly reason: string }>;
}

const MISSING_LIST = ' reference list (give --refdata, or add the file to the reference folder)';

/** Whether a skipped rule's reason is a missing reference list (not, say, the config disabling it). */
export function isSkippedForWantOfList(reason: string): boolean {
  return reason.endsWith(MISSING_LIST);
}

/**
 * The rules one file runs: catalog defaults, then the config's global overrides, then its
 * source's. A rule needing a reference list that was not loaded is skipped, with the reason.
 */
export function resolveRules(
  catalog: readonly RowRule[],
  overrides: ReadonlyArray<Readonly<Record<string, RuleOverride>>>,
  loadedCodeSets: ReadonlySet<CodeSetName>,
): ResolvedRules {
  const rules: RowRule[] = [];
  const skipped: Array<{ rule_id: string; reason: string }> = [];
  for (const rule of catalog) {
    const merged: RuleOverride = Object.assign({}, ...overrides.map((o) => o[rule.id]));
    if (merged.enabled === false) {
      skipped.push({ rule_id: rule.id, reason: 'disabled in the config' });
    } else if (rule.requires && !loadedCodeSets.has(rule.requires)) {
      skipped.push({
        rule_id: rule.id,
        reason: `no ${rule.requires}${MISSING_LIST}`,
      });
    } else {
      rules.push({ ...rule, action: merged.action ?? rule.action, severity: merged.severity ?? rule.severity });
    }
  }
  return { rules, skipped };
}
