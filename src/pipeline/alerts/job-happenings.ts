import { basename } from 'node:path';
import type { Happening } from '../../domain/alert-policy.ts';
import { ALL_RULES } from '../../domain/rule-catalog.ts';
import type { ErrorEvent } from '../messages.ts';
import type { FileOutcome } from '../run-pipeline.ts';
import type { ValidationReport } from '../validation-report.ts';

const RULE_IDS = new Set(ALL_RULES.map((r) => r.id));

/** A finished job as its validation report tells it: succeeded with its figures, or rejected by a file rule. */
export function happeningOfReport(report: ValidationReport): Happening {
  const { total_records, error_records } = report.summary;
  if (report.file_error)
    return {
      kind: 'file_rejected',
      job_id: report.job_id,
      file: report.input_file,
      rule_id: report.file_error.rule_id,
      total_records,
      error_records,
    };
  return {
    kind: 'job_succeeded',
    job_id: report.job_id,
    file: report.input_file,
    total_records,
    error_records,
    duration_ms: Date.parse(report.finished_at) - Date.parse(report.started_at),
    quality_score: report.quality?.score ?? null,
  };
}

/** A file's outcome in `claimflow run`, where any error is a system failure (nothing is retried). */
export function happeningOfOutcome(outcome: FileOutcome): Happening {
  if (outcome.failure === 'system' || !outcome.report)
    return {
      kind: 'pipeline_failure',
      cause: 'system',
      function_name: 'run',
      file: basename(outcome.file),
      job_id: outcome.job_id,
    };
  return happeningOfReport(outcome.report);
}

/** An error event of the bus (the error-handler's input). */
export function happeningOfError(event: ErrorEvent): Happening {
  const { function_name, file, job_id = null } = event.context;
  if (event.error_type === 'data_quality')
    return {
      kind: 'file_rejected',
      job_id,
      file,
      rule_id: ruleIdIn(event.error_message),
      total_records: null,
      error_records: null,
    };
  return { kind: 'pipeline_failure', cause: event.error_type, function_name, file, job_id };
}

/** The ETL words a rejection `<rule_id>: <reason>`; only a known rule id is taken, never the reason. */
function ruleIdIn(message: string): string | null {
  const id = /^([a-z0-9_]+): /.exec(message)?.[1];
  return id !== undefined && RULE_IDS.has(id) ? id : null;
}
