import { z } from 'zod';
import { countMissingOptionalColumns } from '../domain/canonical-model.ts';
import { ClaimflowError } from '../domain/errors.ts';
import type { RowRule } from '../domain/rule.ts';
import { ROW_RULES } from '../domain/rule-catalog.ts';
import { tempKey } from '../domain/store-layout.ts';
import type { EnginePlan } from '../plan/engine-plan.ts';
import { mapSourceColumns } from '../plan/map-columns.ts';
import type { FileSettings } from './file-settings.ts';
import { type FileTask, fileTaskSchema } from './messages.ts';

/** Where the job's manifest is kept, beside its plan; removed with the rest of `temp/<job_id>/`. */
export const sparkManifestKey = (jobId: string): string => tempKey(jobId, 'job.json');

/**
 * What the completion step needs that Glue's outputs do not hold, fixed when the job is handed
 * to Glue: the task, when it started, and how the file was to be judged (the rules the plan ran,
 * with their actions, and the error-rate threshold).
 */
const sparkJobManifestSchema = z.object({
  version: z.literal(1),
  task: fileTaskSchema,
  started_at: z.iso.datetime(),
  /** csv, json-array or ndjson, as the report names formats. */
  format: z.enum(['csv', 'json-array', 'ndjson']),
  data_source: z.string(),
  error_rate_threshold: z.number().min(0).max(1),
  rules: z.array(
    z.object({
      id: z.string(),
      action: z.enum(['quarantine', 'warn', 'halt']),
      severity: z.enum(['critical', 'high', 'medium', 'low']),
    }),
  ),
  skipped_rules: z.array(z.object({ rule_id: z.string(), reason: z.string() })),
  unknown_columns: z.array(z.string()),
  missing_optional_columns: z.number().int().nonnegative(),
});
export type SparkJobManifest = z.infer<typeof sparkJobManifestSchema>;

/** The manifest names a rule the catalog no longer has (a deploy between the start and the end of a run). */
export class SparkManifestError extends ClaimflowError {
  readonly code = 'spark_manifest';
  constructor(
    readonly jobId: string,
    readonly problem: string,
  ) {
    super(`spark job ${jobId}: ${problem}`);
  }
}

const REPORT_FORMATS = { csv: 'csv', json: 'json-array', ndjson: 'ndjson' } as const;

/** The manifest of a file handed to Glue with `plan`, judged by `settings`. */
export function describeSparkJob(
  task: FileTask,
  plan: EnginePlan,
  settings: Pick<FileSettings, 'plan' | 'skippedRules' | 'errorRateThreshold' | 'dataSource'>,
  startedAt: Date,
): SparkJobManifest {
  const { extras, present } = mapSourceColumns(plan.input.columns, (name) => name);
  return {
    version: 1,
    task,
    started_at: startedAt.toISOString(),
    format: REPORT_FORMATS[plan.input.format],
    data_source: settings.dataSource,
    error_rate_threshold: settings.errorRateThreshold,
    rules: settings.plan.rules.map(({ id, action, severity }) => ({ id, action, severity })),
    skipped_rules: [...settings.skippedRules],
    unknown_columns: extras.map((e) => e.name),
    missing_optional_columns: countMissingOptionalColumns(present),
  };
}

/** Parses a stored manifest (JSON text); throws a ZodError when it is not one. */
export function parseSparkJobManifest(text: string): SparkJobManifest {
  return sparkJobManifestSchema.parse(JSON.parse(text));
}

/** The catalog rules the manifest lists, with the actions and severities they ran with. */
export function resolveManifestRules(manifest: SparkJobManifest): RowRule[] {
  return manifest.rules.map(({ id, action, severity }) => {
    const rule = ROW_RULES.find((r) => r.id === id);
    if (!rule) throw new SparkManifestError(manifest.task.job_id, `rule ${id} is not in the catalog`);
    return { ...rule, action, severity };
  });
}
