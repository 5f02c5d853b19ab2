import type { Alert, Severity } from '../../domain/alert-policy.ts';
import type { AlertChannel } from '../../pipeline/alerts/dispatch-alert.ts';
import { postJson } from './post-json.ts';

/** PagerDuty's severities are those of a monitoring system, not ours. */
const PAGERDUTY_SEVERITY: Readonly<Record<Severity, 'critical' | 'error' | 'warning' | 'info'>> = {
  critical: 'critical',
  high: 'error',
  medium: 'warning',
  low: 'info',
};

/** An Events API v2 `trigger` event; the dedup key folds repeats of one job's alert into one incident. */
export function pagerDutyEventOf(alert: Alert, routingKey: string, source: string) {
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: alert.dedup_key,
    payload: {
      // PagerDuty truncates summaries at 1024 characters.
      summary: `${alert.title}: ${alert.summary}`.slice(0, 1024),
      source,
      severity: PAGERDUTY_SEVERITY[alert.severity],
      component: alert.component,
      group: 'claims-pipeline',
      class: alert.kind,
      custom_details: {
        title: alert.title,
        ...(alert.job_id ? { job_id: alert.job_id } : {}),
        ...(alert.file ? { file: alert.file } : {}),
        ...(alert.rule_id ? { rule_id: alert.rule_id } : {}),
        ...alert.counts,
      },
    },
  } as const;
}

/** PagerDuty Events API v2 (POST to /v2/enqueue, answered 202). */
export class PagerDutyChannel implements AlertChannel {
  constructor(
    private readonly name: string,
    private readonly options: {
      readonly url: string;
      readonly routingKey: string;
      readonly source: string;
      readonly timeoutMs: number;
    },
  ) {}

  send(alert: Alert): Promise<void> {
    const { url, routingKey, source, timeoutMs } = this.options;
    return postJson(this.name, url, pagerDutyEventOf(alert, routingKey, source), timeoutMs);
  }
}
