import { archiveKey, tempPrefix } from '../../domain/store-layout.ts';
import { findingsOf, recordReport } from '../file-job/file-report.ts';
import { quarantineInput } from '../file-job/input-copies.ts';
import { judgeChecked, type Published, publishChecked } from '../file-job/publish-checked.ts';
import { createStageTimer } from '../file-job/stage-timer.ts';
import { TOPICS } from '../messages.ts';
import { emitJobMetrics } from '../metrics/emit-job-metrics.ts';
import type { DeadLetter, DeadLetterQueue } from '../ports.ts';
import { sourceKeyOf } from '../source-key.ts';
import {
  parseSparkJobManifest,
  resolveManifestRules,
  type SparkJobManifest,
  sparkManifestKey,
} from '../spark-job-manifest.ts';
import type { JobStatus } from '../validation-report.ts';
import { finishFileJob } from './finish-file-job.ts';
import { errorEvent, type HandlerDeps, messageInputFile, publishEvent, publishStatus } from './handler-deps.ts';
import { SparkCheckedRows, SparkOutputError } from './spark-checked-rows.ts';
import { dropTemp } from './spark-temp.ts';

/** A Glue run of a claimflow job that will not change state again. */
export interface FinishedSparkRun {
  readonly jobId: string;
  readonly runId: string;
  /** Glue's JobRunState: SUCCEEDED, FAILED, TIMEOUT, STOPPED, ERROR. */
  readonly state: string;
  readonly succeeded: boolean;
  /** Glue's error message, already cut before any quoted text. */
  readonly error: string | null;
  readonly executionSeconds: number | null;
}

export interface SparkCompletionDeps
  extends Pick<HandlerDeps, 'store' | 'bus' | 'ledger' | 'clock' | 'logger' | 'exclusive' | 'metrics' | 'inputFileOf'> {
  /** The manual-review queue, where a failed run's task waits for replay. */
  readonly dlq: DeadLetterQueue;
}

const FUNCTION_NAME = 'glue-completion';
/**
 * glue-completion: finishes a job whose Spark plan ran on Glue, as `runFileJob` finishes one run
 * on DuckDB. A successful run's outputs under `temp/<job_id>/` are judged (empty file, halting
 * rule, error rate), published (report, quarantined rows, claims) and handed to post-processing,
 * or the file is rejected whole. A failed run is a system failure: its task goes to the
 * manual-review queue and the job is FAILED. Either way `temp/<job_id>/` is removed, the manifest
 * last, so a repeated event finds nothing left to do.
 */
export async function handleSparkCompletion(run: FinishedSparkRun, deps: SparkCompletionDeps): Promise<void> {
  const { store, logger } = deps;
  const manifestKey = sparkManifestKey(run.jobId);
  if (!(await store.list(tempPrefix(run.jobId))).includes(manifestKey)) {
    logger.info('glue run already completed', { job_id: run.jobId, job_run_id: run.runId });
    return;
  }
  const manifest = parseSparkJobManifest(await store.readText(manifestKey));
  const { task } = manifest;
  if (task.job_id !== run.jobId) {
    throw new SparkOutputError(run.jobId, 'job.json', `the manifest belongs to job ${task.job_id}`);
  }
  // A job finished since this run was handed over was completed by an earlier delivery of this event;
  // one finished before it is being run again (a replay from the manual-review queue).
  const job = await deps.ledger.job(task.job_id);
  if (job?.finished_at && job.finished_at >= manifest.started_at) {
    logger.info('glue run already completed', { job_id: task.job_id, job_run_id: run.runId, status: job.status });
  } else if (run.succeeded) {
    await completeRun(run, manifest, deps);
  } else {
    await failRun(run, manifest, deps);
  }
  await dropTemp(store, run.jobId);
}

/** A run that did not succeed: dead-lettered for manual review, as the runtime does with system failures. */
async function failRun(run: FinishedSparkRun, manifest: SparkJobManifest, deps: SparkCompletionDeps): Promise<void> {
  const { task } = manifest;
  const now = deps.clock.now();
  const problem = `glue run ${run.runId} ended ${run.state}${run.error ? `: ${run.error}` : ''}`;
  const letter: DeadLetter = {
    id: `${task.job_id}-etl`,
    topic: TOPICS.etl,
    handler: 'etl',
    message: task,
    errors: [{ attempt: 1, error_type: 'system', message: problem, at: now.toISOString() }],
    created_at: now.toISOString(),
  };
  await deps.dlq.put(letter);
  await deps.ledger.finishJob(task.job_id, 'FAILED', now, { error: `system: ${problem}` });
  await emitJobMetrics(deps, task.job_id, undefined, task.bytes ?? null);
  await publishEvent(
    deps,
    errorEvent(deps, {
      error_message: `etl failed on Glue: ${problem}; dead-lettered as ${letter.id}`,
      error_type: 'system',
      function_name: FUNCTION_NAME,
      file: task.input_file,
      job_id: task.job_id,
    }),
  );
  await publishStatus(deps, task.job_id, 'FAILED', messageInputFile(deps, task));
  deps.logger.error('glue run failed', { job_id: task.job_id, job_run_id: run.runId, state: run.state });
}

/**
 * A successful run's checked rows through the path DuckDB's jobs take: the file-level verdict,
 * then the input rejected whole or the rows deduplicated and published, the report, the hand-over.
 */
async function completeRun(
  run: FinishedSparkRun,
  manifest: SparkJobManifest,
  deps: SparkCompletionDeps,
): Promise<void> {
  const { task } = manifest;
  const { store, logger } = deps;
  const startedAt = new Date(manifest.started_at);
  const timings: Record<string, number> = {};
  const timed = createStageTimer(timings);
  const rules = resolveManifestRules(manifest);
  const archive = archiveKey(startedAt, task.job_id, task.input_file);
  await timed('archive', () => store.copy(task.key, archive));
  const rows = new SparkCheckedRows(store, task.job_id);
  const sourceRows = await rows.countSourceRows();
  const { measured, halt } = await judgeChecked(rows, rules, manifest.error_rate_threshold, timed);
  let published: Published | undefined;
  let quarantineFile: string | null = null;
  if (halt) {
    logger.warn('file rejected', { job_id: task.job_id, file: task.input_file, rule_id: halt.rule_id });
    quarantineFile = await quarantineInput(store, { key: task.key }, { jobId: task.job_id, fileName: task.input_file });
  } else if (manifest.publishes) {
    // As runFileJob names them: by the object, so a corrected delivery replaces its outputs.
    const sourceKey = sourceKeyOf(store.locate(task.key));
    published = await publishChecked(rows, measured, {
      store,
      sourceKey,
      table: manifest.table,
      mode: 'run',
      timed,
      exclusive: deps.exclusive,
    });
  }
  if (run.executionSeconds !== null) timings.spark = run.executionSeconds * 1000;
  const status: JobStatus = halt ? 'FAILED' : 'SUCCEEDED';
  const facts = {
    status,
    mode: 'run' as const,
    publishes: manifest.publishes,
    rules,
    jobId: task.job_id,
    inputFile: task.input_file,
    // The task's key identifies the S3 delivery (bucket, key, version, ETag), not the content.
    sha256: null,
    format: manifest.format,
    // The profile etl planned the file through, with the records the run read (as `run --engine spark` counts them).
    profile: manifest.profile && { ...manifest.profile, source_records: sourceRows ?? measured.total },
    dataSource: manifest.data_source,
    startedAt,
    finishedAt: deps.clock.now(),
    skippedRules: manifest.skipped_rules,
    unknownColumns: manifest.unknown_columns,
    missingOptionalColumns: manifest.missing_optional_columns,
    timings,
  };
  const findings = findingsOf(measured, published, { fileError: halt, quarantineFile, archive });
  const report = await recordReport(deps, facts, findings, { job_run_id: run.runId });
  await finishFileJob(task, { status, report, touchedMonths: published?.touched ?? [] }, deps, FUNCTION_NAME);
}
