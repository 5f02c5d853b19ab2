import { isSkippedForWantOfList, type ResolvedRules } from './resolve-rules.ts';
import type { NeededColumns, RowRule, RuleThresholds } from './rule.ts';

const NEVER_CARRIES = ' never carries ';

/** The source a skipped rule's reason names as never carrying what it judges, if that is the reason. */
export function sourceLackingNeeds(reason: string): string | undefined {
  const at = reason.indexOf(NEVER_CARRIES);
  return at > 0 ? reason.slice(0, at) : undefined;
}

/** The columns the rule judges under these thresholds. */
export function neededColumnsOf(rule: RowRule, thresholds: RuleThresholds): NeededColumns {
  return typeof rule.needs === 'function' ? rule.needs(thresholds) : rule.needs;
}

/**
 * What of the rule's needs a source never carries, worded for its reason: a column it cannot
 * judge without, or a group none of whose columns are carried. Empty when the rule can judge rows.
 */
export function missingNeeds(
  rule: RowRule,
  neverCarried: ReadonlySet<string>,
  thresholds: RuleThresholds,
): readonly string[] {
  return neededColumnsOf(rule, thresholds).flatMap((need) => {
    if (typeof need === 'string') return neverCarried.has(need) ? [need] : [];
    if (need.length === 0 || !need.every((c) => neverCarried.has(c))) return [];
    return [need.length === 1 ? (need[0] ?? '') : `any of ${need.join(', ')}`];
  });
}

/**
 * Leaves out the rules a source gives nothing to judge: they would pass or fail every row for what
 * the layout lacks, not for what a row holds. Each is listed as skipped with the source named; so
 * is a rule skipped for want of its reference list that the source could not feed anyway, since
 * giving the list would not make it run. A rule the config disabled keeps that reason.
 */
export function skipRulesSourceCannotFeed(
  resolved: ResolvedRules,
  catalog: readonly RowRule[],
  source: { readonly name: string; readonly neverCarries: readonly string[] },
  thresholds: RuleThresholds,
): ResolvedRules {
  if (source.neverCarries.length === 0) return resolved;
  const neverCarried = new Set(source.neverCarries);
  const reasonFor = (rule: RowRule | undefined): string | undefined => {
    const missing = rule ? missingNeeds(rule, neverCarried, thresholds) : [];
    return missing.length === 0 ? undefined : `${source.name}${NEVER_CARRIES}${missing.join(' and ')}`;
  };
  const skipped = resolved.skipped.map((s) => {
    const reason = isSkippedForWantOfList(s.reason) ? reasonFor(catalog.find((r) => r.id === s.rule_id)) : undefined;
    return reason ? { ...s, reason } : s;
  });
  const rules: RowRule[] = [];
  for (const rule of resolved.rules) {
    const reason = reasonFor(rule);
    if (reason) skipped.push({ rule_id: rule.id, reason });
    else rules.push(rule);
  }
  const order = (id: string): number => catalog.findIndex((r) => r.id === id);
  return { rules, skipped: skipped.sort((a, b) => order(a.rule_id) - order(b.rule_id)) };
}
