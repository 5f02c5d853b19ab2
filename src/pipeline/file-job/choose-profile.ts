import { BUILTIN_PROFILES } from '../../domain/profiles/builtin-profiles.ts';
import { specOfLayout } from '../../domain/profiles/file-roles.ts';
import { neverCarriedColumns } from '../../domain/profiles/source-profile.ts';
import type { RowRule } from '../../domain/rule.ts';
import { skipRulesSourceCannotFeed } from '../../domain/rule-needs.ts';
import { tableOfLayout } from '../../domain/tables/layout-table.ts';
import type { TableDescriptor } from '../../domain/tables/table-descriptor.ts';
import { MEDICAL_CLAIM_TABLE } from '../../domain/tables/tables.ts';
import { type FileSample, type ProfileChoice, type ProfileSelection, selectProfile } from '../select-profile.ts';
import type { ValidationReport } from '../validation-report.ts';
import type { PlanningDeps } from './file-job-options.ts';
import type { JobContext } from './job-context.ts';

const DETECTED_PROFILES: ProfileChoice = { catalog: BUILTIN_PROFILES, forced: null };

/**
 * The file's profile and layout, and the rules it runs: the profile's overrides applied, narrowed
 * to the layout's table and role, less those judging only columns the layout never carries.
 */
export interface ChosenProfile {
  readonly selection: Extract<ProfileSelection, { ok: true }>;
  readonly rules: readonly RowRule[];
  readonly skippedRules: ValidationReport['skipped_rules'];
  /** Whether the rows are deduplicated and published to `table` (companion-only roles are not). */
  readonly publishes: boolean;
  /** The table the rows are mapped onto, checked against and published to. */
  readonly table: TableDescriptor;
}

/**
 * Picks the profile (forced, or detected from the sample); the choice is logged and reported. A
 * record file's job for another `table` than the detected layout's takes the profile's layout for it.
 */
export function chooseProfile(job: JobContext<PlanningDeps>, sample: FileSample, table?: string): ChosenProfile {
  const selected = selectProfile(sample, job.options.profiles ?? DETECTED_PROFILES);
  if (!selected.ok) throw job.halt('missing_required_column', selected.reason);
  const selection = table === undefined ? selected : withTableLayout(selected, table);
  const { profile, layout } = selection;
  const spec = specOfLayout(layout);
  const medical = spec.table === MEDICAL_CLAIM_TABLE;
  const resolved = skipRulesSourceCannotFeed(
    job.options.rulesFor?.(profile, spec.table.rules) ??
      (medical
        ? { rules: job.options.plan.rules, skipped: job.options.skippedRules }
        : { rules: spec.table.rules, skipped: [] }),
    spec.table.rules,
    { name: `${profile.name}/${layout.id}`, neverCarries: neverCarriedColumns(layout, spec.table.columns) },
    job.options.plan.thresholds,
  );
  const applies = (id: string): boolean => spec.rules === 'all' || spec.rules.has(id);
  job.deps.logger.info('profile selected', {
    job_id: job.jobId,
    file: job.fileName,
    profile: profile.name,
    layout: layout.id,
    role: layout.role,
    table: spec.table.name,
    score: selection.score,
    selected_by: selection.selectedBy,
  });
  return {
    selection,
    rules: resolved.rules.filter((r) => applies(r.id)),
    skippedRules: resolved.skipped.filter((r) => applies(r.rule_id)),
    publishes: spec.published,
    table: spec.table,
  };
}

/** The selection with its profile's layout for `table` (only record profiles have one per table). */
function withTableLayout(selection: ChosenProfile['selection'], table: string): ChosenProfile['selection'] {
  if (tableOfLayout(selection.layout).name === table) return selection;
  const layout = selection.profile.layouts.find((l) => l.table === table);
  if (!layout) throw new Error(`the ${selection.profile.name} profile has no layout for table ${table}`);
  return { ...selection, layout };
}
