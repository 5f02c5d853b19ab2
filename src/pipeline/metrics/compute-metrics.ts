import type { JobStatus } from '../messages.ts';
import { countS3Requests, estimateJobCost } from './estimate-cost.ts';
import type { MonitoredReport, MonitoringSnapshot } from './monitoring-snapshot.ts';
import { fileNameOf, readQueueState } from './queue-state.ts';
import { type RuleTally, rankFailingRules } from './rank-failing-rules.ts';

const HOUR_MS = 3_600_000;
/** Hours in the volume trend. */
export const TREND_HOURS = 24;
/** Jobs listed one by one in the JSON API, newest first. */
export const JOBS_LISTED = 100;
/** Stage names come from report files; only identifiers become metric labels. */
const STAGE_NAME = /^[a-z][a-z0-9_]{0,40}$/;
/** Report links carry the job id in a URL path; other names are not linked. */
const SAFE_JOB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface JobMetrics {
  readonly job_id: string;
  readonly input_file: string;
  /** The source its rows were attributed to (null without a report). */
  readonly data_source: string | null;
  readonly status: JobStatus;
  /** The rule that rejected the file whole, if one did. */
  readonly failure_rule: string | null;
  /** Relative URL of its HTML report, if there is one. */
  readonly report_url: string | null;
  readonly started_at: string;
  readonly finished_at: string | null;
  /** End to end: from the ledger for `watch` jobs (queueing and post-processing included), else the report. */
  readonly duration_ms: number | null;
  readonly records_input: number;
  readonly records_processed: number;
  readonly records_valid: number;
  readonly records_quarantined: number;
  readonly duplicates_removed: number;
  readonly error_rate: number;
  readonly quality_score: number | null;
  readonly quality_grade: string | null;
  readonly stage_duration_ms: Readonly<Record<string, number>>;
  readonly estimated_cost_usd: number | null;
}

export interface DurationStats {
  readonly latest: number;
  readonly sum: number;
  readonly count: number;
}

export interface HourlyVolume {
  /** Start of the hour (UTC, ISO). */
  readonly hour: string;
  readonly files: number;
  readonly records_input: number;
  readonly records_processed: number;
  readonly records_quarantined: number;
  readonly error_rate: number;
}

/** The numbers of docs/monitoring.md, for Prometheus and the JSON API alike. */
export interface Metrics {
  readonly generated_at: string;
  readonly records_processed_total: number;
  readonly records_valid_total: number;
  readonly records_quarantined_total: number;
  readonly duplicates_removed_total: number;
  readonly files_processed_total: { readonly SUCCEEDED: number; readonly FAILED: number };
  /** Quarantined share of the rows of jobs finished in the last hour. */
  readonly error_rate: number;
  /** Rows published by jobs finished in the last hour. */
  readonly records_processed_per_hour: number;
  readonly stage_duration_ms: Readonly<Record<string, DurationStats>>;
  readonly job_duration_ms: DurationStats;
  readonly files_in_flight: number;
  readonly inbox_backlog: number;
  readonly dlq_depth: number;
  /** The latest finished job's score. */
  readonly quality_score: number | null;
  readonly estimated_cost_usd: { readonly last_run: number | null; readonly total: number };
  readonly hourly: readonly HourlyVolume[];
  /** The rules that failed the most rows over finished jobs, most first. */
  readonly top_rules: readonly RuleTally[];
  readonly jobs: readonly JobMetrics[];
}

/** `validate` writes reports too, but archives nothing: it checked a file, it did not process one. */
export const isRunReport = (report: MonitoredReport): boolean => report.outputs.archive !== null;

/** Relative URL of a report's HTML, served by the dashboard from validation-reports/. */
export const reportUrlOf = (report: MonitoredReport): string | null =>
  report.has_html && SAFE_JOB_ID.test(report.job_id) ? `reports/${report.job_id}.html` : null;

const msBetween = (from: string, to: string): number => Math.max(0, Date.parse(to) - Date.parse(from));
const shareOf = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

/** One job from its run report and its ledger record (either may be missing); the ledger's status wins. */
function toJobMetrics(
  jobId: string,
  report: MonitoredReport | undefined,
  ledger: MonitoringSnapshot['jobs'][number] | undefined,
): JobMetrics {
  const status: JobStatus = ledger?.status ?? (report?.validation_status === 'success' ? 'SUCCEEDED' : 'FAILED');
  const finished = status !== 'STARTED';
  const finishedAt = ledger ? ledger.finished_at : (report?.finished_at ?? null);
  const startedAt = ledger?.started_at ?? report?.started_at ?? '';
  const durationMs = !finished ? null : finishedAt ? msBetween(startedAt, finishedAt) : null;
  // Rows count once the job is finished: a `watch` job between ETL and post-processing has not published yet.
  const counted = finished ? report : undefined;
  const stages = Object.fromEntries(
    Object.entries(counted?.timings_ms ?? {}).filter(([stage, ms]) => STAGE_NAME.test(stage) && ms >= 0),
  );
  const requests = counted && countS3Requests(counted.outputs);
  return {
    job_id: jobId,
    input_file: report?.input_file ?? fileNameOf(ledger?.input_key ?? ''),
    data_source: report?.data_source ?? null,
    status,
    failure_rule: counted?.file_error?.rule_id ?? null,
    report_url: report ? reportUrlOf(report) : null,
    started_at: startedAt,
    finished_at: finished ? finishedAt : null,
    duration_ms: durationMs,
    records_input: counted?.summary.total_records ?? 0,
    records_processed: counted?.processed_records ?? 0,
    records_valid: counted?.summary.valid_records ?? 0,
    records_quarantined: counted?.summary.error_records ?? 0,
    duplicates_removed: counted?.duplicates_removed.total ?? 0,
    error_rate: shareOf(counted?.summary.error_records ?? 0, counted?.summary.total_records ?? 0),
    quality_score: counted?.quality?.score ?? null,
    quality_grade: counted?.quality?.grade ?? null,
    stage_duration_ms: stages,
    estimated_cost_usd:
      counted && requests
        ? estimateJobCost({
            inputBytes: counted.input_bytes,
            durationMs: durationMs ?? 0,
            s3Puts: requests.puts,
            s3Gets: requests.gets,
          }).usd
        : null,
  };
}

/** Every job of the root, newest first (by finish, else start). */
export function listJobs(snapshot: Pick<MonitoringSnapshot, 'reports' | 'jobs'>): JobMetrics[] {
  const reports = new Map(snapshot.reports.filter(isRunReport).map((r) => [r.job_id, r]));
  const ledger = new Map(snapshot.jobs.map((j) => [j.job_id, j]));
  const ids = new Set([...reports.keys(), ...ledger.keys()]);
  const when = (j: JobMetrics): string => j.finished_at ?? j.started_at;
  return [...ids]
    .map((id) => toJobMetrics(id, reports.get(id), ledger.get(id)))
    .sort((a, b) => when(b).localeCompare(when(a)) || b.job_id.localeCompare(a.job_id));
}

function sumOf<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}

function hourlyVolume(finished: readonly JobMetrics[], now: Date): HourlyVolume[] {
  const currentHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return Array.from({ length: TREND_HOURS }, (_, i) => {
    const start = currentHour - (TREND_HOURS - 1 - i) * HOUR_MS;
    const inHour = finished.filter((j) => {
      const t = Date.parse(j.finished_at ?? '');
      return t >= start && t < start + HOUR_MS;
    });
    const input = sumOf(inHour, (j) => j.records_input);
    const quarantined = sumOf(inHour, (j) => j.records_quarantined);
    return {
      hour: new Date(start).toISOString(),
      files: inHour.length,
      records_input: input,
      records_processed: sumOf(inHour, (j) => j.records_processed),
      records_quarantined: quarantined,
      error_rate: shareOf(quarantined, input),
    };
  });
}

function durationStats(values: readonly number[]): DurationStats {
  return { latest: values[0] ?? 0, sum: sumOf(values, (v) => v), count: values.length };
}

/** Pure: the metrics of a snapshot of the root. */
export function computeMetrics(snapshot: MonitoringSnapshot): Metrics {
  const jobs = listJobs(snapshot);
  const finished = jobs.filter((j) => j.status !== 'STARTED');
  const now = snapshot.now.getTime();
  const lastHour = finished.filter((j) => {
    const t = Date.parse(j.finished_at ?? '');
    return t > now - HOUR_MS && t <= now;
  });
  const stages = new Map<string, number[]>();
  for (const job of finished)
    for (const [stage, ms] of Object.entries(job.stage_duration_ms)) {
      const values = stages.get(stage) ?? [];
      values.push(ms);
      stages.set(stage, values);
    }
  const costed = finished.filter((j) => j.estimated_cost_usd !== null);
  const queue = readQueueState(snapshot);
  return {
    generated_at: snapshot.now.toISOString(),
    records_processed_total: sumOf(finished, (j) => j.records_processed),
    records_valid_total: sumOf(finished, (j) => j.records_valid),
    records_quarantined_total: sumOf(finished, (j) => j.records_quarantined),
    duplicates_removed_total: sumOf(finished, (j) => j.duplicates_removed),
    files_processed_total: {
      SUCCEEDED: finished.filter((j) => j.status === 'SUCCEEDED').length,
      FAILED: finished.filter((j) => j.status === 'FAILED').length,
    },
    error_rate: shareOf(
      sumOf(lastHour, (j) => j.records_quarantined),
      sumOf(lastHour, (j) => j.records_input),
    ),
    records_processed_per_hour: sumOf(lastHour, (j) => j.records_processed),
    stage_duration_ms: Object.fromEntries(
      [...stages].sort(([a], [b]) => a.localeCompare(b)).map(([stage, values]) => [stage, durationStats(values)]),
    ),
    job_duration_ms: durationStats(finished.flatMap((j) => (j.duration_ms === null ? [] : [j.duration_ms]))),
    files_in_flight: queue.inFlight.length,
    inbox_backlog: queue.backlog.length,
    dlq_depth: snapshot.deadLetters.length,
    quality_score: finished.find((j) => j.quality_score !== null)?.quality_score ?? null,
    estimated_cost_usd: {
      last_run: costed[0]?.estimated_cost_usd ?? null,
      total: sumOf(costed, (j) => j.estimated_cost_usd ?? 0),
    },
    hourly: hourlyVolume(finished, snapshot.now),
    top_rules: rankFailingRules(
      snapshot.reports.filter((r) => isRunReport(r) && finished.some((j) => j.job_id === r.job_id)),
    ),
    jobs: jobs.slice(0, JOBS_LISTED),
  };
}
