import { isRunReport, reportUrlOf } from './compute-metrics.ts';
import type { AlertRecord, DeadLetterSummary, MonitoringSnapshot } from './monitoring-snapshot.ts';
import { fileNameOf, readQueueState } from './queue-state.ts';

/** Rows in each list of the operations view. */
export const OPERATIONS_LISTED = 20;

export interface ReportSummary {
  readonly job_id: string;
  readonly input_file: string;
  readonly kind: 'run' | 'validate';
  readonly validation_status: 'success' | 'failed';
  readonly records_input: number;
  readonly records_quarantined: number;
  readonly quality_score: number | null;
  readonly quality_grade: string | null;
  readonly finished_at: string;
  /** Relative URL of the HTML report, served by the dashboard from validation-reports/. */
  readonly report_url: string | null;
}

/** The operations view: what is running, waiting, dead-lettered and alerted on, and the latest reports. */
export interface Operations {
  readonly generated_at: string;
  readonly files_in_flight: number;
  readonly inbox_backlog: number;
  readonly dlq_depth: number;
  readonly in_flight: ReadonlyArray<{
    readonly job_id: string;
    readonly input_file: string;
    readonly attempts: number;
    readonly started_at: string;
  }>;
  readonly backlog: ReadonlyArray<{ readonly file: string; readonly bytes: number }>;
  readonly dead_letters: readonly DeadLetterSummary[];
  readonly alerts: readonly AlertRecord[];
  readonly reports: readonly ReportSummary[];
}

const newestFirst = <T>(items: readonly T[], at: (item: T) => string): T[] =>
  [...items].sort((a, b) => at(b).localeCompare(at(a)));

/** Pure: the operations view of a snapshot of the root. */
export function summarizeOperations(snapshot: MonitoringSnapshot): Operations {
  const queue = readQueueState(snapshot);
  return {
    generated_at: snapshot.now.toISOString(),
    files_in_flight: queue.inFlight.length,
    inbox_backlog: queue.backlog.length,
    dlq_depth: snapshot.deadLetters.length,
    in_flight: newestFirst(queue.inFlight, (j) => j.started_at)
      .slice(0, OPERATIONS_LISTED)
      .map((j) => ({
        job_id: j.job_id,
        input_file: fileNameOf(j.input_key),
        attempts: j.attempts,
        started_at: j.started_at,
      })),
    backlog: queue.backlog.slice(0, OPERATIONS_LISTED).map((f) => ({ file: fileNameOf(f.key), bytes: f.size })),
    dead_letters: newestFirst(snapshot.deadLetters, (l) => l.created_at).slice(0, OPERATIONS_LISTED),
    alerts: newestFirst(snapshot.alerts, (a) => a.timestamp).slice(0, OPERATIONS_LISTED),
    reports: newestFirst(snapshot.reports, (r) => r.finished_at)
      .slice(0, OPERATIONS_LISTED)
      .map((r) => ({
        job_id: r.job_id,
        input_file: r.input_file,
        kind: isRunReport(r) ? 'run' : 'validate',
        validation_status: r.validation_status,
        records_input: r.summary.total_records,
        records_quarantined: r.summary.error_records,
        quality_score: r.quality?.score ?? null,
        quality_grade: r.quality?.grade ?? null,
        finished_at: r.finished_at,
        report_url: reportUrlOf(r),
      })),
  };
}
