import type { Happening } from '../../domain/alert-policy.ts';
import type { Logger } from '../ports.ts';

/** A security event as the component that saw it tells it (identifiers only, never the input's content). */
export interface SecurityEvent {
  readonly event: Extract<Happening, { kind: 'security_event' }>['event'];
  /** Who saw it: a handler (`s3-event-trigger`, `etl`), `inbox-watcher`, `dashboard`. */
  readonly function_name: string;
  readonly file?: string;
  readonly job_id?: string;
  /** Where a refused request came from, and what it asked for. */
  readonly remote_address?: string;
  readonly path?: string;
  /** How many occurrences this one stands for, when repeats are rate-limited (default 1). */
  readonly occurrences?: number;
}

export interface SecurityEventDeps {
  readonly logger: Logger;
  /** The alert policy and dispatcher (src/cli/open-alerts.ts; LocalRuntimeDeps.raiseAlert in `watch`). */
  readonly raiseAlert: (happening: Happening) => Promise<void>;
}

/**
 * Raises a security event: a `security event` log line, then an alert, which the policy rates
 * `critical` and the dispatcher sends to the critical channels and appends to the event log.
 * Call it where hostile input is rejected, for example:
 *
 *   await raiseSecurityEvent(deps, { event: 'hostile_input_rejected', function_name: 'etl', file, job_id });
 *
 * It does not throw for a dead channel (the dispatcher records the failed delivery instead).
 */
export async function raiseSecurityEvent(deps: SecurityEventDeps, event: SecurityEvent): Promise<void> {
  deps.logger.warn('security event', {
    event: event.event,
    function_name: event.function_name,
    file: event.file,
    job_id: event.job_id,
    remote_address: event.remote_address,
    path: event.path,
    failures: event.occurrences ?? 1,
  });
  await deps.raiseAlert({
    kind: 'security_event',
    event: event.event,
    function_name: event.function_name,
    file: event.file ?? null,
    job_id: event.job_id ?? null,
  });
}
