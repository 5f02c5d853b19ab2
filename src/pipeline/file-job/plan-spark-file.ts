import type { CodeSetName } from '../../domain/code-sets.ts';
import type { FileHead } from '../../domain/detect-format.ts';
import { headColumns } from '../../domain/head-columns.ts';
import type { SqlDialect } from '../../domain/sql-dialect.ts';
import { tempKey } from '../../domain/store-layout.ts';
import { compileEnginePlan, type EnginePlan } from '../../plan/engine-plan.ts';
import { type ChosenProfile, chooseProfile } from './choose-profile.ts';
import { convertRecords } from './convert-records.ts';
import type { PlanningDeps } from './file-job-options.ts';
import type { JobContext } from './job-context.ts';
import type { JobFindings } from './job-findings.ts';
import { findCompanions } from './load-companions.ts';
import type { OpenedInput } from './open-input.ts';

/** What the DuckDB job's stages find, and how Spark's plan mapped the file's columns. */
export interface SparkFindings extends JobFindings {
  mapped?: { readonly unknownColumns: readonly string[]; readonly present: ReadonlySet<string> };
}

/** Where the plan has Spark read a job's files: local paths for `run --engine spark`, S3 for Glue. */
export interface SparkReads {
  /** Spark's location of a file as the job's `files` names it (a path; a key on S3). */
  locate(path: string): string;
  /** Copies the input to a store key (Spark decompresses by name: gzip content needs a `.gz` one). */
  copyInput(key: string): Promise<void>;
  /** Where a record file's canonical NDJSON is written, named as `files` names it. */
  records(): Promise<string>;
}

/** The Spark session the plan is for: its dialect and each reference list's file as it reads them. */
export interface SparkTarget {
  readonly dialect: SqlDialect;
  readonly codeSetFiles: ReadonlyMap<CodeSetName, string>;
}

/**
 * The file's Spark plan through its source profile, as `processFile` reads it on DuckDB: the
 * profile chosen from the head, X12 and FHIR converted to canonical NDJSON first, the layout's
 * companion files found beside the input and joined, the rules narrowed to the layout's role.
 * `found` is filled as each step returns, so a file rejected part-way is reported with what was
 * learnt. Throws ClaimFileError for a file that cannot be planned.
 */
export async function planSparkFile(
  job: JobContext<PlanningDeps>,
  opened: OpenedInput,
  spark: SparkTarget,
  reads: SparkReads,
  found: SparkFindings,
): Promise<{ readonly plan: EnginePlan; readonly chosen: ChosenProfile }> {
  const { head, format, recordKind } = opened;
  const sample = { recordKind, columns: recordKind ? [] : headColumns(format, head.bytes) };
  let chosen = chooseProfile(job, sample, job.options.recordTable);
  found.chosen = chosen;
  const { profile } = chosen.selection;
  found.format = profile.kind === 'tabular' ? format.kind : profile.kind;
  let input: { path: string; head: FileHead };
  if (profile.kind === 'tabular') {
    input = { path: await inputPath(job, head, reads), head };
  } else {
    // X12 and FHIR become canonical NDJSON first, as for DuckDB; Spark reads that.
    const records = await reads.records();
    found.conversion = await convertRecords(job, profile.kind, records);
    if (found.conversion.table !== chosen.table.name) {
      chosen = chooseProfile(job, sample, found.conversion.table);
      found.chosen = chosen;
    }
    input = { path: reads.locate(records), head: await job.readOrHalt(() => job.deps.files.readHead(records)) };
  }
  const { layout } = chosen.selection;
  const companions = layout.companions?.length ? await job.timed('companions', () => findCompanions(job, layout)) : [];
  found.companions = {
    loaded: [],
    read: companions.map(({ companion, files }) => ({ name: companion.name, files: files.map((f) => f.name) })),
  };
  const { plan, unknownColumns, present } = compileEnginePlan({
    dialect: spark.dialect,
    jobId: job.jobId,
    fileName: job.fileName,
    inputPath: input.path,
    head: input.head,
    // The rules as the profile and the file's role narrow them, as the DuckDB job checks them.
    settings: { plan: { ...job.options.plan, rules: chosen.rules }, dataSource: job.options.dataSource },
    ingestDatetime: job.startedAt.toISOString(),
    codeSetFiles: spark.codeSetFiles,
    locate: (key) => job.deps.store.locate(key),
    layout: {
      profileName: profile.name,
      layout,
      companions: companions.map((c) => ({
        ...c,
        files: c.files.map((file) => ({ ...file, path: reads.locate(file.path) })),
      })),
    },
  });
  found.mapped = { unknownColumns, present };
  return { plan, chosen };
}

/**
 * Where Spark reads the input: the file itself, or for gzip content under a name without `.gz`
 * (Spark decompresses by name) a copy under `temp/<job_id>/` that has one.
 */
async function inputPath(job: JobContext<PlanningDeps>, head: FileHead, reads: SparkReads): Promise<string> {
  if (!head.gzip || /\.gz$/i.test(job.fileName)) return reads.locate(job.path);
  const key = tempKey(job.jobId, `input/${job.fileName}.gz`);
  await reads.copyInput(key);
  return job.deps.store.locate(key);
}
