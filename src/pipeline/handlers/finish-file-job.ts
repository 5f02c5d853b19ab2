import { type FileTask, messageTimestamp, TOPICS } from '../messages.ts';
import { emitJobMetrics } from '../metrics/emit-job-metrics.ts';
import type { JobStatus, ValidationReport } from '../validation-report.ts';
import { errorEvent, type HandlerDeps, messageInputFile, publishEvent, publishStatus } from './handler-deps.ts';

/** How a file job ended, whichever engine ran it; its report is written. */
export interface FileJobOutcome {
  readonly status: JobStatus;
  readonly report: ValidationReport;
  /** `YYYY-MM` partitions whose published files changed. */
  readonly touchedMonths: readonly string[];
}

/**
 * What follows a file job: the validation output, then post-processing of the touched months; or,
 * for a file rejected whole, the end of the job (ledger FAILED, inbox copy removed, error, status).
 */
export async function finishFileJob(
  task: FileTask,
  outcome: FileJobOutcome,
  deps: Pick<HandlerDeps, 'bus' | 'clock' | 'ledger' | 'store' | 'metrics' | 'inputFileOf'>,
  functionName: string,
): Promise<void> {
  const { report } = outcome;
  await publishEvent(deps, {
    event_type: 'validation_output',
    job_id: task.job_id,
    input_file: messageInputFile(deps, task),
    validation_status: report.validation_status,
    report_location: report.report_location,
    summary: report.summary,
    timestamp: messageTimestamp(deps.clock.now()),
  });
  if (outcome.status === 'SUCCEEDED') {
    await deps.bus.publish(TOPICS.postProcess, { ...task, months: [...outcome.touchedMonths] });
    return;
  }
  // Data quality: the file is in quarantine/files with its report; nothing is retried.
  const reason = report.file_error ? `${report.file_error.rule_id}: ${report.file_error.reason}` : 'rejected';
  await deps.ledger.finishJob(task.job_id, 'FAILED', deps.clock.now(), {
    total: report.summary.total_records,
    quarantined: report.summary.error_records,
    error: reason,
  });
  await emitJobMetrics(deps, task.job_id, report, task.bytes ?? null);
  await deps.store.delete(task.key);
  await publishEvent(
    deps,
    errorEvent(deps, {
      error_message: reason,
      error_type: 'data_quality',
      function_name: functionName,
      file: task.input_file,
      job_id: task.job_id,
    }),
  );
  await publishStatus(deps, task.job_id, 'FAILED', messageInputFile(deps, task));
}
