import type { Happening } from '../../domain/alert-policy.ts';
import { reportKey } from '../../domain/store-layout.ts';
import { happeningOfError, happeningOfReport } from '../alerts/job-happenings.ts';
import type { ErrorEvent } from '../messages.ts';
import type { ObjectStore } from '../object-store.ts';
import type { Logger } from '../ports.ts';
import type { ValidationReport } from '../validation-report.ts';

/**
 * error-handler: turns each error event into the happening the alert policy rates
 * (src/domain/alert-policy.ts) and raises it; the alert's severity picks its channels.
 */
export async function handleError(
  event: ErrorEvent,
  deps: { logger: Logger; raiseAlert: (happening: Happening) => Promise<void> },
): Promise<void> {
  const happening = happeningOfError(event);
  deps.logger.error('pipeline error', {
    kind: happening.kind,
    error_type: event.error_type,
    function_name: event.context.function_name,
    file: event.context.file,
    job_id: event.context.job_id,
  });
  await deps.raiseAlert(happening);
}

/** A job that succeeded is rated on its report's figures (error rate, duration, quality) and alerted. */
export async function alertJobSucceeded(
  jobId: string,
  deps: { store: Pick<ObjectStore, 'readText'>; raiseAlert: (happening: Happening) => Promise<void> },
): Promise<void> {
  const report = JSON.parse(await deps.store.readText(reportKey(jobId, 'json'))) as ValidationReport;
  await deps.raiseAlert(happeningOfReport(report));
}
