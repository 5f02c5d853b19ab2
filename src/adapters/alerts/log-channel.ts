import type { Alert } from '../../domain/alert-policy.ts';
import type { AlertChannel } from '../../pipeline/alerts/dispatch-alert.ts';
import type { Logger } from '../../pipeline/ports.ts';

/** Alerts as lines of the structured log: warnings for critical and high, info below. */
export class LogChannel implements AlertChannel {
  constructor(private readonly logger: Logger) {}

  async send(alert: Alert): Promise<void> {
    const level = alert.severity === 'critical' || alert.severity === 'high' ? 'warn' : 'info';
    this.logger[level]('alert', {
      severity: alert.severity,
      title: alert.title,
      summary: alert.summary,
      job_id: alert.job_id,
      file: alert.file,
      rule_id: alert.rule_id,
      counts: alert.counts,
    });
  }
}
