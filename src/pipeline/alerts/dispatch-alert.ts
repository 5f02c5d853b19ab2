import type { Alert, Severity } from '../../domain/alert-policy.ts';
import { AlertDeliveryError } from '../../domain/errors.ts';
import { backoffMs, type RetryPolicy } from '../deliver.ts';
import type { Clock, Logger } from '../ports.ts';

/** Where an alert can go (log, webhook, PagerDuty, e-mail, SNS). Each adapter bounds its own I/O with a timeout. */
export interface AlertChannel {
  send(alert: Alert): Promise<void>;
}

export interface AlertDelivery {
  readonly channel: string;
  readonly ok: boolean;
  readonly attempts: number;
}

/** How an alert is kept in the event log (the shared contract the dashboard reads). */
export interface AlertRecord {
  readonly event_type: 'alert';
  readonly severity: Severity;
  readonly title: string;
  readonly summary: string;
  readonly job_id?: string;
  readonly file?: string;
  readonly rule_id?: string;
  readonly deliveries: readonly AlertDelivery[];
  readonly timestamp: string;
}

export interface AlertDispatchDeps {
  readonly channels: ReadonlyMap<string, AlertChannel>;
  /** Channel names per severity; an empty list raises nothing but the record. */
  readonly routes: Readonly<Record<Severity, readonly string[]>>;
  readonly retry: RetryPolicy;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly recordEvent: (event: object) => void;
}

/**
 * Sends an alert to every channel routed for its severity at once, retrying each failed
 * channel on its own, then records the alert with each channel's outcome. It never throws
 * for a channel: a dead channel must not hold up the others or the pipeline.
 */
export async function dispatchAlert(alert: Alert, deps: AlertDispatchDeps): Promise<AlertRecord> {
  const deliveries = await Promise.all(deps.routes[alert.severity].map((name) => deliverToChannel(name, alert, deps)));
  const record: AlertRecord = {
    event_type: 'alert',
    severity: alert.severity,
    title: alert.title,
    summary: alert.summary,
    ...(alert.job_id ? { job_id: alert.job_id } : {}),
    ...(alert.file ? { file: alert.file } : {}),
    ...(alert.rule_id ? { rule_id: alert.rule_id } : {}),
    deliveries,
    timestamp: deps.clock.now().toISOString(),
  };
  deps.recordEvent(record);
  return record;
}

/** Exponential backoff with full jitter between attempts; a failure that cannot improve (HTTP 4xx) is not retried. */
async function deliverToChannel(name: string, alert: Alert, deps: AlertDispatchDeps): Promise<AlertDelivery> {
  const channel = deps.channels.get(name);
  if (!channel) {
    deps.logger.warn('alert delivery failed', { channel: name, severity: alert.severity, error: 'no such channel' });
    return { channel: name, ok: false, attempts: 0 };
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await channel.send(alert);
      return { channel: name, ok: true, attempts: attempt };
    } catch (error) {
      const retryable = !(error instanceof AlertDeliveryError) || error.retryable;
      deps.logger.warn('alert delivery failed', {
        channel: name,
        attempt,
        severity: alert.severity,
        job_id: alert.job_id,
        error: error instanceof Error ? error.message.split('\n')[0] : String(error),
      });
      if (!retryable || attempt >= deps.retry.maxAttempts) return { channel: name, ok: false, attempts: attempt };
      await deps.sleep(backoffMs(attempt, deps.retry, deps.random));
    }
  }
}
