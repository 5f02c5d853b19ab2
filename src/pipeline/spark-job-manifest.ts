import { z } from 'zod';
import { countMissingOptionalColumns } from '../domain/canonical-model.ts';
import { ClaimflowError } from '../domain/errors.ts';
import type { RowRule } from '../domain/rule.ts';
import { tempKey } from '../domain/store-layout.ts';
import { findTable } from '../domain/tables/tables.ts';
import type { ChosenProfile } from './file-job/choose-profile.ts';
import type { SparkFindings } from './file-job/plan-spark-file.ts';
import { describeProfile } from './file-job/profile-report.ts';
import type { FileSettings } from './file-settings.ts';
import { type FileTask, fileTaskSchema } from './messages.ts';
import type { ProfileReport } from './validation-report.ts';

/** Where the job's manifest is kept, beside its plan; removed with the rest of `temp/<job_id>/`. */
export const sparkManifestKey = (jobId: string): string => tempKey(jobId, 'job.json');

/** The source profile that planned the file, as the report names it; the source records are counted by the run. */
const manifestProfileSchema = z.object({
  name: z.string(),
  layout: z.string(),
  role: z.string(),
  published: z.boolean(),
  table: z.string().nullable().default(null),
  selected_by: z.enum(['flag', 'source', 'detection']),
  score: z.number(),
  also_fitting: z.array(z.object({ profile: z.string(), layout: z.string(), score: z.number() })),
  companions: z.array(z.object({ name: z.string(), files: z.array(z.string()) })),
  conversion: z
    .object({
      claims: z.number().int().nonnegative(),
      lines: z.number().int().nonnegative(),
      error_count: z.number().int().nonnegative(),
      errors: z.array(z.object({ position: z.string(), segment: z.string().optional(), reason: z.string() })),
      other_tables: z.record(z.string(), z.number().int().nonnegative()),
    })
    .nullable(),
}) satisfies z.ZodType<Omit<ProfileReport, 'source_records'>>;

/**
 * What the completion step needs that Glue's outputs do not hold, fixed when the job is handed
 * to Glue: the task, when it started, how the file was to be judged (the rules the plan ran,
 * with their actions, and the error-rate threshold), and the source profile that planned it.
 */
const sparkJobManifestSchema = z.object({
  version: z.literal(1),
  task: fileTaskSchema,
  started_at: z.iso.datetime(),
  /** csv, json-array or ndjson, as the report names formats, or the record format (x12, fhir). */
  format: z.enum(['csv', 'json-array', 'ndjson', 'x12', 'fhir']),
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
  /** Null in a manifest written before Glue runs planned through a profile. */
  profile: manifestProfileSchema.nullable().default(null),
  /** Whether the rows are claim lines to publish (a members file's are not). */
  publishes: z.boolean().default(true),
  /** The table the rows are checked for and published to (absent before there were several). */
  table: z.string().default('medical_claim'),
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

/** The manifest of a file handed to Glue, planned through `chosen` (planSparkFile) and judged by `settings`. */
export function describeSparkJob(
  task: FileTask,
  planned: { readonly chosen: ChosenProfile; readonly found: SparkFindings },
  settings: Pick<FileSettings, 'errorRateThreshold' | 'dataSource'>,
  startedAt: Date,
): SparkJobManifest {
  const { chosen, found } = planned;
  // The source records are the run's to count (its `ingested` output); the completion step fills them in.
  const { source_records: _, ...profile } = describeProfile(chosen, {
    companions: found.companions?.read ?? [],
    sourceRecords: null,
    conversion: found.conversion ?? null,
  });
  return {
    version: 1,
    task,
    started_at: startedAt.toISOString(),
    format: sparkJobManifestSchema.shape.format.parse(found.format),
    data_source: settings.dataSource,
    error_rate_threshold: settings.errorRateThreshold,
    rules: chosen.rules.map(({ id, action, severity }) => ({ id, action, severity })),
    skipped_rules: [...chosen.skippedRules],
    unknown_columns: [...(found.mapped?.unknownColumns ?? [])],
    missing_optional_columns:
      found.mapped && chosen.publishes ? countMissingOptionalColumns(found.mapped.present, chosen.table.columns) : 0,
    profile: manifestProfileSchema.parse(profile),
    publishes: chosen.publishes,
    table: chosen.table.name,
  };
}

/** Parses a stored manifest (JSON text); throws a ZodError when it is not one. */
export function parseSparkJobManifest(text: string): SparkJobManifest {
  return sparkJobManifestSchema.parse(JSON.parse(text));
}

/** The catalog rules the manifest lists, with the actions and severities they ran with. */
export function resolveManifestRules(manifest: SparkJobManifest): RowRule[] {
  const catalog = findTable(manifest.table)?.rules ?? [];
  return manifest.rules.map(({ id, action, severity }) => {
    const rule = catalog.find((r) => r.id === id);
    if (!rule) throw new SparkManifestError(manifest.task.job_id, `rule ${id} is not in the catalog`);
    return { ...rule, action, severity };
  });
}
