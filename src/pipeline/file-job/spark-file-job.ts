import { countMissingOptionalColumns } from '../../domain/canonical-model.ts';
import type { CodeSetName } from '../../domain/code-sets.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import type { SqlDialect } from '../../domain/sql-dialect.ts';
import { archiveKey } from '../../domain/store-layout.ts';
import { enginePlanKey } from '../../plan/engine-plan.ts';
import { SparkCheckedRows } from '../handlers/spark-checked-rows.ts';
import { dropTemp } from '../handlers/spark-temp.ts';
import type { JobStatus } from '../validation-report.ts';
import type { FileJobDeps, FileJobOptions, FileJobResult } from './file-job-options.ts';
import { recordReport } from './file-report.ts';
import { quarantineInput } from './input-copies.ts';
import { JobContext } from './job-context.ts';
import { reportOf, resultOf } from './job-findings.ts';
import { openInput } from './open-input.ts';
import { planSparkFile, type SparkFindings, type SparkReads } from './plan-spark-file.ts';
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
      missingOptionalColumns:
        mapped && publishes ? countMissingOptionalColumns(mapped.present, found.chosen?.table.columns) : 0,
    },
    findings,
    { engine: 'spark' },
  );
  return resultOf(job, found, { status, report });
}

/** Open, choose the profile, convert or find companions, plan, run on Spark, judge, publish. */
async function runStages(
  job: JobContext<SparkFileJobDeps>,
  spark: SparkEngine,
  found: SparkFindings,
  archived: Promise<unknown>,
): Promise<void> {
  const { store } = job.deps;
  const { plan, chosen } = await planSparkFile(job, await openInput(job), spark, sparkReads(job), found);
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
    table: chosen.table.name,
    mode: job.options.mode,
    timed: job.timed,
    exclusive: job.deps.exclusive ?? ((work) => work()),
  });
}

/** Spark reads local files where they are; converted records go to the job's scratch folder. */
function sparkReads(job: JobContext<SparkFileJobDeps>): SparkReads {
  const { store } = job.deps;
  return {
    locate: (path) => path,
    copyInput: async (key) => void (await store.copyIn(job.path, key)),
    records: async () => `${await store.scratchDir(job.jobId)}/records.ndjson`,
  };
}

/** `run` archives the input (hashing it on the way); `validate` only hashes it. */
async function archive(job: JobContext<SparkFileJobDeps>): Promise<{ key: string | null; sha256: string }> {
  if (job.options.mode === 'validate') return { key: null, sha256: await job.deps.files.hash(job.path) };
  const key = archiveKey(job.startedAt, job.jobId, job.fileName);
  return { key, sha256: await job.deps.store.copyIn(job.path, key) };
}
