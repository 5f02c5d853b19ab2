import { basename } from 'node:path';
import type { CodeSetName } from '../domain/code-sets.ts';
import { UsageError } from '../domain/errors.ts';
import { BUILTIN_PROFILES } from '../domain/profiles/builtin-profiles.ts';
import type { SourceProfile } from '../domain/profiles/source-profile.ts';
import { type ResolvedRules, type RuleOverride, resolveRules } from '../domain/resolve-rules.ts';
import type { RowRule } from '../domain/rule.ts';
import { ROW_RULES } from '../domain/rule-catalog.ts';
import type { PlanSettings, PublishedLayout } from '../plan/compile-plan.ts';
import type { FileJobOptions } from './file-job/file-job-options.ts';
import { type RunConfig, selectSource } from './run-config.ts';
import type { ProfileChoice } from './select-profile.ts';

export type FileSettings = Omit<FileJobOptions, 'jobId' | 'mode'>;

/** Command-line choices that win over the config file. */
export interface SettingsOverrides {
  readonly source?: string;
  readonly dataSource?: string;
  readonly errorThreshold?: number;
  readonly runDate: string;
  /** `--profile`: every file is read with this profile instead of the detected one. */
  readonly profile?: SourceProfile;
  /** Wins over the config's `published_layout`: the AWS paths load Redshift, which needs `canonical`. */
  readonly publishedLayout?: PublishedLayout;
}

/**
 * How each file is validated: the config's defaults, its source's overrides, then the flags.
 * `sourceProfiles` holds the profile of each source that names one (`sources.<name>.profile`, loaded by the caller).
 */
export function createFileSettings(
  config: RunConfig,
  overrides: SettingsOverrides,
  loadedCodeSets: ReadonlySet<CodeSetName>,
  codeSetRelation: PlanSettings['codeSetRelation'],
  sourceProfiles: Readonly<Record<string, SourceProfile>> = {},
): (file: string) => FileSettings {
  if (overrides.source && !config.sources[overrides.source]) {
    throw new UsageError(`--source ${overrides.source}: no such source in the config`);
  }
  return (file) => {
    const [name, source] = selectSource(config, basename(file), overrides.source) ?? [];
    const thresholds = { ...config.thresholds, ...source?.thresholds };
    const layers = [config.rules, source?.rules ?? {}];
    // A profile's overrides (e.g. SynPUF's synthetic NPIs) sit under the config's, which win.
    const rulesFor = (
      profile: Pick<SourceProfile, 'name' | 'rules'>,
      catalog: readonly RowRule[] = ROW_RULES,
    ): ResolvedRules =>
      relabelProfileSkips(profile, layers, resolveRules(catalog, [profile.rules ?? {}, ...layers], loadedCodeSets));
    const { rules, skipped } = resolveRules(ROW_RULES, layers, loadedCodeSets);
    return {
      plan: {
        rules,
        runDate: overrides.runDate,
        thresholds: {
          earliestDate: thresholds.earliest_date,
          amountTolerance: thresholds.amount_tolerance,
          timelyFilingDays: thresholds.timely_filing_days,
          timelyFilingBasis: thresholds.timely_filing_basis,
        },
        codeSetRelation,
        publishedLayout: overrides.publishedLayout ?? config.published_layout,
      },
      skippedRules: skipped,
      errorRateThreshold: overrides.errorThreshold ?? thresholds.error_rate,
      dataSource: overrides.dataSource ?? source?.data_source ?? config.data_source,
      limits: config.limits,
      profiles: profileChoice(overrides.profile, name === undefined ? undefined : sourceProfiles[name]),
      rulesFor,
    };
  };
}

/** `--profile` wins over the source's profile, which wins over detection. */
function profileChoice(flag: SourceProfile | undefined, ofSource: SourceProfile | undefined): ProfileChoice {
  if (flag) return { catalog: BUILTIN_PROFILES, forced: flag, forcedBy: 'flag' };
  if (ofSource) return { catalog: BUILTIN_PROFILES, forced: ofSource, forcedBy: 'source' };
  return { catalog: BUILTIN_PROFILES, forced: null };
}

/** A rule the profile disabled (and the config did not turn back on) is skipped because of the profile. */
function relabelProfileSkips(
  profile: Pick<SourceProfile, 'name' | 'rules'>,
  configLayers: ReadonlyArray<Readonly<Record<string, RuleOverride>>>,
  resolved: ResolvedRules,
): ResolvedRules {
  const byProfile = (id: string): boolean =>
    profile.rules?.[id]?.enabled === false && configLayers.every((layer) => layer[id]?.enabled === undefined);
  return {
    rules: resolved.rules,
    skipped: resolved.skipped.map((s) =>
      byProfile(s.rule_id) ? { ...s, reason: `disabled by the ${profile.name} profile` } : s,
    ),
  };
}
