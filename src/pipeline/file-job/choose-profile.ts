import { BUILTIN_PROFILES } from '../../domain/profiles/builtin-profiles.ts';
import { FILE_ROLES, ruleAppliesTo } from '../../domain/profiles/file-roles.ts';
import { neverCarriedColumns } from '../../domain/profiles/source-profile.ts';
import type { RowRule } from '../../domain/rule.ts';
import { ROW_RULES } from '../../domain/rule-catalog.ts';
import { skipRulesSourceCannotFeed } from '../../domain/rule-needs.ts';
import { type FileSample, type ProfileChoice, type ProfileSelection, selectProfile } from '../select-profile.ts';
import type { ValidationReport } from '../validation-report.ts';
import type { PlanningDeps } from './file-job-options.ts';
import type { JobContext } from './job-context.ts';

const DETECTED_PROFILES: ProfileChoice = { catalog: BUILTIN_PROFILES, forced: null };

/**
 * The file's profile and layout, and the rules it runs: the profile's overrides applied, narrowed
 * to the layout's role, less those judging only columns the layout never carries.
 */
export interface ChosenProfile {
  readonly selection: Extract<ProfileSelection, { ok: true }>;
  readonly rules: readonly RowRule[];
  readonly skippedRules: ValidationReport['skipped_rules'];
  /** Whether the rows are claim lines to dedupe and publish (eligibility and the like are not). */
  readonly publishes: boolean;
}

/** Picks the profile (forced, or detected from the sample); the choice is logged and reported. */
export function chooseProfile(job: JobContext<PlanningDeps>, sample: FileSample): ChosenProfile {
  const selection = selectProfile(sample, job.options.profiles ?? DETECTED_PROFILES);
  if (!selection.ok) throw job.halt('missing_required_column', selection.reason);
  const { profile, layout } = selection;
  const resolved = skipRulesSourceCannotFeed(
    job.options.rulesFor?.(profile) ?? { rules: job.options.plan.rules, skipped: job.options.skippedRules },
    ROW_RULES,
    { name: `${profile.name}/${layout.id}`, neverCarries: neverCarriedColumns(layout) },
    job.options.plan.thresholds,
  );
  job.deps.logger.info('profile selected', {
    job_id: job.jobId,
    file: job.fileName,
    profile: profile.name,
    layout: layout.id,
    role: layout.role,
    score: selection.score,
    selected_by: selection.selectedBy,
  });
  return {
    selection,
    rules: resolved.rules.filter((r) => ruleAppliesTo(layout.role, r.id)),
    skippedRules: resolved.skipped.filter((r) => ruleAppliesTo(layout.role, r.rule_id)),
    publishes: FILE_ROLES[layout.role].published,
  };
}
