import type { ErrorEvent } from '../messages.ts';
import type { Logger } from '../ports.ts';

export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** One policy for how bad an error is (docs/runtime.md): system failures are critical, retries exhausted high. */
export function severityOf(event: ErrorEvent): Severity {
  if (event.error_type === 'system') return 'critical';
  if (event.error_type === 'transient') return 'high';
  return 'medium';
}

/** error-handler: classifies each error event and raises it on the channel of its severity. */
export async function handleError(
  event: ErrorEvent,
  deps: { logger: Logger; alert: (severity: Severity, event: ErrorEvent) => Promise<void> },
): Promise<void> {
  const severity = severityOf(event);
  deps.logger.warn('pipeline error', {
    severity,
    error_type: event.error_type,
    function_name: event.context.function_name,
    file: event.context.file,
    job_id: event.context.job_id,
  });
  await deps.alert(severity, event);
}
