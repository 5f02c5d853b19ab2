import { basename } from 'node:path';
import type { CodeSetName } from '../domain/code-sets.ts';
import { UsageError } from '../domain/errors.ts';
import { resolveRules } from '../domain/resolve-rules.ts';
import { ROW_RULES } from '../domain/rule-catalog.ts';
import type { PlanSettings } from '../plan/compile-plan.ts';
import type { FileJobOptions } from './process-file.ts';
import { type RunConfig, selectSource } from './run-config.ts';

export type FileSettings = Omit<FileJobOptions, 'jobId' | 'mode'>;

/** Command-line choices that win over the config file. */
export interface SettingsOverrides {
  readonly source?: string;
  readonly dataSource?: string;
  readonly errorThreshold?: number;
  readonly runDate: string;
}

/** How each file is validated: the config's defaults, its source's overrides, then the flags. */
export function createFileSettings(
  config: RunConfig,
  overrides: SettingsOverrides,
  loadedCodeSets: ReadonlySet<CodeSetName>,
  codeSetRelation: PlanSettings['codeSetRelation'],
): (file: string) => FileSettings {
  if (overrides.source && !config.sources[overrides.source]) {
    throw new UsageError(`--source ${overrides.source}: no such source in the config`);
  }
  return (file) => {
    const [, source] = selectSource(config, basename(file), overrides.source) ?? [];
    const thresholds = { ...config.thresholds, ...source?.thresholds };
    const { rules, skipped } = resolveRules(ROW_RULES, [config.rules, source?.rules ?? {}], loadedCodeSets);
    return {
      plan: {
        rules,
        runDate: overrides.runDate,
        thresholds: {
          earliestDate: thresholds.earliest_date,
          amountTolerance: thresholds.amount_tolerance,
          timelyFilingDays: thresholds.timely_filing_days,
        },
        codeSetRelation,
      },
      skippedRules: skipped,
      errorRateThreshold: overrides.errorThreshold ?? thresholds.error_rate,
      dataSource: overrides.dataSource ?? source?.data_source ?? config.data_source,
    };
  };
}
