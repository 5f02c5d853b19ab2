import { z } from 'zod';
import { ClaimflowError } from '../../domain/errors.ts';
import { DIMENSIONS } from '../../domain/quality-score.ts';
import type { RuleDimension } from '../../domain/rule.ts';
import {
  archiveKey,
  claimFileKey,
  monthOf,
  ownClaimFiles,
  ownQuarantineFiles,
  PREFIXES,
  partitionOf,
  quarantineFileKey,
  quarantineRowsKey,
  tempPrefix,
} from '../../domain/store-layout.ts';
import { buildValidationReport, type ReportFindings, writeValidationReport } from '../build-report.ts';
import { type FileHalt, judgeCheckedRows, judgeRowCount } from '../file-verdict.ts';
import { createLimiter } from '../limiter.ts';
import { TOPICS } from '../messages.ts';
import type { ObjectStore } from '../object-store.ts';
import type { DeadLetter, DeadLetterQueue } from '../ports.ts';
import { dropStale } from '../published-keys.ts';
import { sourceKeyOf } from '../source-key.ts';
import {
  parseSparkJobManifest,
  resolveManifestRules,
  type SparkJobManifest,
  sparkManifestKey,
} from '../spark-job-manifest.ts';
import type { JobStatus, RuleSample, ValidationReport } from '../validation-report.ts';
import { finishFileJob } from './finish-file-job.ts';
import { errorEvent, type HandlerDeps, publishEvent, publishStatus } from './handler-deps.ts';

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
  extends Pick<HandlerDeps, 'store' | 'bus' | 'ledger' | 'clock' | 'logger' | 'exclusive'> {
  /** The manual-review queue, where a failed run's task waits for replay. */
  readonly dlq: DeadLetterQueue;
}

/** A finished run's outputs are missing or not what the plan writes. */
export class SparkOutputError extends ClaimflowError {
  readonly code = 'spark_output';
  constructor(
    readonly jobId: string,
    readonly output: string,
    readonly problem: string,
  ) {
    super(`spark job ${jobId}: output ${output}: ${problem}`);
  }
}

const FUNCTION_NAME = 'glue-completion';
/** Deletes of temp/<job_id>/ objects at once. */
const DELETES_AT_ONCE = 8;
/** Spark writes JSON numbers; DuckDB (in tests) may write HUGEINT sums as numbers too. Null counts as 0. */
const count = z.union([z.number(), z.null()]).transform((n) => n ?? 0);
const text = z.union([z.string(), z.number(), z.null()]).transform((v) => (v === null ? null : String(v)));
const OUTPUTS = {
  summary: z.object({ total: count, quarantined: count }),
  rule_counts: z.object({ rule_id: z.string(), row_count: count }),
  rule_samples: z.object({
    rule_id: z.string(),
    source_row_number: z.number(),
    claim_id: text,
    claim_line_number: text,
  }),
  dimension_failures: z.object(
    Object.fromEntries(DIMENSIONS.map((d) => [d, count])) as Record<RuleDimension, typeof count>,
  ),
  duplicate_counts: z.object({ repeated_rows: count, distinct_lines: count, kept: count, flagged: count }),
};
const SPARK_MONTH = /\/year=(\d{4})\/month=(\d{2})\/[^/]+\.parquet$/;

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
    await new SparkJobCompletion(run, manifest, deps).complete();
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
  await publishStatus(deps, task.job_id, 'FAILED', task.input_file);
  deps.logger.warn('glue run failed', { job_id: task.job_id, job_run_id: run.runId, state: run.state });
}

/** One successful run's outputs, judged and published. */
class SparkJobCompletion {
  private readonly jobId: string;
  private readonly sourceKey: string;
  private readonly started = performance.now();

  constructor(
    private readonly run: FinishedSparkRun,
    private readonly manifest: SparkJobManifest,
    private readonly deps: SparkCompletionDeps,
  ) {
    this.jobId = manifest.task.job_id;
    // As runFileJob names them: by the object, so a corrected delivery replaces its outputs.
    this.sourceKey = sourceKeyOf(deps.store.locate(manifest.task.key));
  }

  async complete(): Promise<void> {
    const { task } = this.manifest;
    const { store } = this.deps;
    const rules = resolveManifestRules(this.manifest);
    const archive = archiveKey(new Date(this.manifest.started_at), task.job_id, task.input_file);
    await store.copy(task.key, archive);
    const checks = await this.readChecks();
    const halt = judgeRowCount(checks.total) ?? judgeCheckedRows(checks, rules, this.manifest.error_rate_threshold);
    const status: JobStatus = halt ? 'FAILED' : 'SUCCEEDED';
    // As on DuckDB, a rejected file is not deduplicated: its report counts no duplicates.
    const { findings, outputs, touched } = halt
      ? await this.reject(halt, checks, archive)
      : await this.publish(checks, archive);
    const report = this.report(status, rules, { ...findings, fileError: halt, outputs });
    await writeValidationReport(store, report);
    this.deps.logger.info(status === 'SUCCEEDED' ? 'job succeeded' : 'job failed', {
      job_id: task.job_id,
      job_run_id: this.run.runId,
      ...report.summary,
      timings_ms: report.timings_ms,
    });
    await finishFileJob(task, { status, report, touchedMonths: touched }, this.deps, FUNCTION_NAME);
  }

  /** A file rejected whole: the input is kept in quarantine/files, none of Spark's rows are published. */
  private async reject(halt: FileHalt, checks: Checks, archive: string): Promise<Published> {
    const { task } = this.manifest;
    this.deps.logger.warn('file rejected', { job_id: task.job_id, file: task.input_file, rule_id: halt.rule_id });
    const quarantineFile = quarantineFileKey(task.job_id, task.input_file);
    await this.deps.store.copy(task.key, quarantineFile);
    return {
      findings: { ...checks, processed: 0, exact: 0, conflicting: 0, flagged: 0 },
      outputs: { processed: [], quarantine_rows: null, quarantine_file: quarantineFile, archive },
      touched: [],
    };
  }

  /** route + publish: the quarantined rows, then the claims (serialised with the aggregations that read them). */
  private async publish(checks: Checks, archive: string): Promise<Published> {
    const findings = await this.readDuplicates(checks);
    const quarantineRows = await this.publishQuarantine(checks.quarantined);
    const { published, touched } = await this.deps.exclusive(() => this.publishClaims());
    return {
      findings,
      outputs: { processed: published, quarantine_rows: quarantineRows, quarantine_file: null, archive },
      touched,
    };
  }

  /** The check stage's counts, as process-file gathers them (nothing past the row count for an empty file). */
  private async readChecks(): Promise<Checks> {
    const [summary] = await this.readOutput('summary');
    if (!summary) throw new SparkOutputError(this.jobId, 'summary', 'no row');
    const { total, quarantined } = summary;
    if (total === 0) return { total, quarantined, counts: new Map(), samples: new Map(), dimensionFailures: null };
    const counts = new Map((await this.readOutput('rule_counts')).map((r) => [r.rule_id, r.row_count]));
    const samples = new Map<string, RuleSample[]>();
    for (const { rule_id, ...sample } of await this.readOutput('rule_samples')) {
      samples.set(rule_id, [...(samples.get(rule_id) ?? []), sample]);
    }
    // Spark does not keep the plan's ORDER BY across its write: lowest row numbers first, as the report promises.
    for (const list of samples.values()) list.sort((a, b) => a.source_row_number - b.source_row_number);
    const [dimensionFailures] = await this.readOutput('dimension_failures');
    if (!dimensionFailures) throw new SparkOutputError(this.jobId, 'dimension_failures', 'no row');
    return { total, quarantined, counts, samples, dimensionFailures };
  }

  /** dedupe: exact and conflicting duplicates, and the rows left to publish. */
  private async readDuplicates(checks: Checks): Promise<Findings> {
    const [duplicates] = await this.readOutput('duplicate_counts');
    if (!duplicates) throw new SparkOutputError(this.jobId, 'duplicate_counts', 'no row');
    const exact = duplicates.repeated_rows - duplicates.distinct_lines;
    const conflicting = duplicates.distinct_lines - duplicates.kept;
    const processed = checks.total - checks.quarantined - exact - conflicting;
    return { ...checks, processed, exact, conflicting, flagged: duplicates.flagged };
  }

  /** The rows of a JSON output: JSON lines in its part files (Spark writes one, with `_SUCCESS` beside it). */
  private async readOutput<K extends keyof typeof OUTPUTS>(name: K): Promise<Array<z.output<(typeof OUTPUTS)[K]>>> {
    const keys = (await this.deps.store.list(`${tempPrefix(this.jobId)}${name}/`)).filter((k) => k.endsWith('.json'));
    const rows: Array<z.output<(typeof OUTPUTS)[K]>> = [];
    for (const key of keys) {
      for (const line of (await this.deps.store.readText(key)).split('\n')) {
        if (line.trim() === '') continue;
        const parsed = OUTPUTS[name].safeParse(JSON.parse(line));
        if (!parsed.success) throw new SparkOutputError(this.jobId, name, 'a row does not match the plan');
        rows.push(parsed.data as z.output<(typeof OUTPUTS)[K]>);
      }
    }
    return rows;
  }

  /**
   * The quarantined rows' part files as `quarantine/rows/<sourceKey>-<n>.parquet`; this source's
   * earlier files (either naming) that were not rewritten are removed. Returns the pattern of the keys.
   */
  private async publishQuarantine(quarantined: number): Promise<string | null> {
    const parts = quarantined === 0 ? [] : await this.parquetParts('quarantine');
    const published = await this.copyParts(parts.map((key, n) => [key, quarantineRowsKey(this.sourceKey, n)]));
    await dropStale(this.deps.store, PREFIXES.quarantineRows, ownQuarantineFiles(this.sourceKey), published);
    return published.length > 0 ? quarantineRowsKey(this.sourceKey, '*') : null;
  }

  /** The claims' part files into their months as `<sourceKey>-<n>.parquet`; this source's stale files are removed. */
  private async publishClaims(): Promise<{ published: string[]; touched: string[] }> {
    const next = new Map<string, number>();
    const moves: Array<[string, string]> = [];
    for (const key of await this.parquetParts('claims')) {
      const match = SPARK_MONTH.exec(key);
      if (!match) throw new SparkOutputError(this.jobId, 'claims', 'a part file outside year=/month= folders');
      const [, year = '', month = ''] = match;
      const partition = partitionOf(year, month);
      const n = next.get(partition) ?? 0;
      next.set(partition, n + 1);
      moves.push([key, claimFileKey(this.sourceKey, year, month, n)]);
    }
    const published = await this.copyParts(moves);
    const touched = new Set(published.map(monthOf));
    const stale = await dropStale(this.deps.store, PREFIXES.processedClaims, ownClaimFiles(this.sourceKey), published);
    for (const key of stale) touched.add(monthOf(key));
    return { published, touched: [...touched].sort() };
  }

  /** Part files of an output folder, in name order (`part-00000-...`), without `_SUCCESS` and checksums. */
  private async parquetParts(folder: string): Promise<string[]> {
    return (await this.deps.store.list(`${tempPrefix(this.jobId)}${folder}/`)).filter((k) => k.endsWith('.parquet'));
  }

  private async copyParts(moves: ReadonlyArray<readonly [string, string]>): Promise<string[]> {
    for (const [from, to] of moves) await this.deps.store.copy(from, to);
    return moves.map(([, to]) => to);
  }

  private report(
    status: JobStatus,
    rules: ReturnType<typeof resolveManifestRules>,
    findings: ReportFindings,
  ): ValidationReport {
    const { manifest, run, deps } = this;
    const timings: Record<string, number> = { publish: Math.round(performance.now() - this.started) };
    if (run.executionSeconds !== null) timings.spark = run.executionSeconds * 1000;
    return buildValidationReport(
      {
        status,
        mode: 'run',
        publishes: true,
        rules,
        jobId: manifest.task.job_id,
        inputFile: manifest.task.input_file,
        sha256: manifest.task.sha256,
        format: manifest.format,
        // The Spark plan maps columns by their canonical names; it does not choose a source profile.
        profile: null,
        dataSource: manifest.data_source,
        startedAt: new Date(manifest.started_at),
        finishedAt: deps.clock.now(),
        skippedRules: manifest.skipped_rules,
        unknownColumns: manifest.unknown_columns,
        missingOptionalColumns: manifest.missing_optional_columns,
        timings,
        locate: (key) => deps.store.locate(key),
      },
      findings,
    );
  }
}

type Findings = Omit<ReportFindings, 'fileError' | 'outputs'>;
type Checks = Omit<Findings, 'processed' | 'exact' | 'conflicting' | 'flagged'>;

interface Published {
  readonly findings: Findings;
  readonly outputs: ValidationReport['outputs'];
  readonly touched: readonly string[];
}

/** Everything under `temp/<job_id>/`, the manifest last: while it exists, the job is not completed. */
async function dropTemp(store: ObjectStore, jobId: string): Promise<void> {
  const manifest = sparkManifestKey(jobId);
  const keys = (await store.list(tempPrefix(jobId))).filter((k) => k !== manifest);
  const slots = createLimiter(DELETES_AT_ONCE);
  await Promise.all(keys.map((key) => slots(() => store.delete(key))));
  await store.delete(manifest);
}
