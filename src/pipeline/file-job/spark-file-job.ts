import { countMissingOptionalColumns } from '../../domain/canonical-model.ts';
import type { CodeSetName } from '../../domain/code-sets.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import { headColumns } from '../../domain/head-columns.ts';
import type { SqlDialect } from '../../domain/sql-dialect.ts';
import { archiveKey, tempKey } from '../../domain/store-layout.ts';
import { compileEnginePlan, enginePlanKey } from '../../plan/engine-plan.ts';
import { SparkCheckedRows } from '../handlers/spark-checked-rows.ts';
import { dropTemp } from '../handlers/spark-temp.ts';
import type { JobStatus } from '../validation-report.ts';
import { chooseProfile } from './choose-profile.ts';
import { convertRecords } from './convert-records.ts';
import type { FileJobDeps, FileJobOptions, FileJobResult } from './file-job-options.ts';
import { recordReport } from './file-report.ts';
import { quarantineInput } from './input-copies.ts';
import { JobContext } from './job-context.ts';
import { type JobFindings, reportOf } from './job-findings.ts';
import { findCompanions } from './load-companions.ts';
import { openInput } from './open-input.ts';
import { judgeChecked, publishChecked } from './publish-checked.ts';

/** A Spark session that runs plans (glue/run_plan.py), whichever cluster it is on. */
export interface SparkEngine {
  readonly dialect: SqlDialect;
  /** Each reference list's file, as Spark reads it. */
  readonly codeSetFiles: ReadonlyMap<CodeSetName, string>;
  /** Runs the plan stored at `planLocation` (a path or URL Spark reads); rejects when the run fails. */
  run(planLocation: string, jobId: string): Promise<{ readonly seconds: number }>;
}

export interface SparkFileJobDeps extends FileJobDeps {
  readonly spark: SparkEngine;
}

/**
 * One file through the Spark plan, then through the publish path the DuckDB job and Glue's
 * completion take. The file is opened and its profile chosen as `processFile` does; its plan
 * (docs/spark-plan.md) is written to `temp/<job_id>/plan.json` and run by Spark, whose outputs
 * under `temp/<job_id>/` are judged (empty file, halting rule, error rate), then published or
 * the file rejected whole, and reported. Never throws for bad data.
 */
export async function processFileOnSpark(
  path: string,
  deps: SparkFileJobDeps,
  options: FileJobOptions,
): Promise<FileJobResult> {
  const job = new JobContext(path, deps, options);
  const { logger, store } = deps;
  logger.info('job started', { job_id: job.jobId, file: job.fileName, mode: options.mode, engine: 'spark' });
  const archived = job.timed('archive', () => archive(job));
  archived.catch(() => undefined);
  const found: SparkFindings = {};
  let status: JobStatus = 'SUCCEEDED';
  try {
    await runStages(job, deps.spark, found, archived);
  } catch (error) {
    if (!(error instanceof ClaimFileError)) {
      await archived.catch(() => undefined);
      await dropTemp(store, job.jobId).catch(() => undefined);
      throw error;
    }
    status = 'FAILED';
    logger.warn('file rejected', { job_id: job.jobId, file: job.fileName, rule_id: error.ruleId });
    found.fileError = { rule_id: error.ruleId, reason: error.reason };
    if (options.mode === 'run') found.quarantineFile = await quarantineInput(store, { local: path }, job);
  } finally {
    await store.dropScratch(job.jobId);
  }
  // Spark's outputs are published (copied) by now; what is left under temp/<job_id>/ goes.
  await dropTemp(store, job.jobId);
  const { key, sha256 } = await archived;
  const { facts, findings } = reportOf(job, found, { status, archive: key, sha256 });
  const { mapped } = found;
  const publishes = found.chosen?.publishes ?? true;
  const report = await recordReport(
    deps,
    {
      ...facts,
      unknownColumns: mapped ? mapped.unknownColumns : facts.unknownColumns,
      missingOptionalColumns: mapped && publishes ? countMissingOptionalColumns(mapped.present) : 0,
    },
    findings,
    { engine: 'spark' },
  );
  return { jobId: job.jobId, inputFile: path, status, report, touchedMonths: found.published?.touched ?? [] };
}

/** What the DuckDB job's stages find, and how Spark's plan mapped the file's columns. */
interface SparkFindings extends JobFindings {
  mapped?: { readonly unknownColumns: readonly string[]; readonly present: ReadonlySet<string> };
}

/** Open, choose the profile, convert or find companions, plan, run on Spark, judge, publish. */
async function runStages(
  job: JobContext,
  spark: SparkEngine,
  found: SparkFindings,
  archived: Promise<unknown>,
): Promise<void> {
  const { store } = job.deps;
  const { head, format, recordKind } = await openInput(job);
  const chosen = chooseProfile(job, { recordKind, columns: recordKind ? [] : headColumns(format, head.bytes) });
  found.chosen = chosen;
  const { profile, layout } = chosen.selection;
  found.format = profile.kind === 'tabular' ? format.kind : profile.kind;
  let input = { path: await sparkInputPath(job, head.gzip), head };
  if (profile.kind !== 'tabular') {
    // X12 and FHIR become canonical NDJSON first, as for DuckDB; Spark reads that.
    const records = `${await store.scratchDir(job.jobId)}/records.ndjson`;
    found.conversion = await convertRecords(job, profile.kind, records);
    input = { path: records, head: await job.deps.files.readHead(records) };
  }
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
    locate: (key) => store.locate(key),
    layout: { profileName: profile.name, layout, companions },
  });
  found.mapped = { unknownColumns, present };
  const planKey = enginePlanKey(job.jobId);
  await store.writeText(planKey, `${JSON.stringify(plan)}\n`);
  const ran = await job.timed('spark', () => spark.run(store.locate(planKey), job.jobId));
  job.deps.logger.info('spark plan ran', { job_id: job.jobId, seconds: ran.seconds });
  const rows = new SparkCheckedRows(store, job.jobId);
  const sourceRows = await rows.countSourceRows();
  const { measured, halt } = await judgeChecked(rows, chosen.rules, job.options.errorRateThreshold, job.timed);
  found.measured = measured;
  found.sourceRecords = sourceRows ?? measured.total;
  if (halt) throw job.halt(halt.rule_id, halt.reason);
  await archived;
  if (!chosen.publishes) return;
  found.published = await publishChecked(rows, measured, {
    store,
    sourceKey: job.sourceKey,
    mode: job.options.mode,
    timed: job.timed,
    exclusive: job.deps.exclusive ?? ((work) => work()),
  });
}

/**
 * Where Spark reads the input: the file itself, or for gzip content under a name without `.gz`
 * (Spark decompresses by name) a copy under `temp/<job_id>/` that has one.
 */
async function sparkInputPath(job: JobContext, gzip: boolean): Promise<string> {
  if (!gzip || /\.gz$/i.test(job.fileName)) return job.path;
  const key = tempKey(job.jobId, `input/${job.fileName}.gz`);
  await job.deps.store.copyIn(job.path, key);
  return job.deps.store.locate(key);
}

/** `run` archives the input (hashing it on the way); `validate` only hashes it. */
async function archive(job: JobContext): Promise<{ key: string | null; sha256: string }> {
  if (job.options.mode === 'validate') return { key: null, sha256: await job.deps.files.hash(job.path) };
  const key = archiveKey(job.startedAt, job.jobId, job.fileName);
  return { key, sha256: await job.deps.store.copyIn(job.path, key) };
}
