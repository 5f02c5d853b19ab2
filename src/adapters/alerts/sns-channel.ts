import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Alert } from '../../domain/alert-policy.ts';
import { AlertDeliveryError } from '../../domain/errors.ts';
import type { AlertChannel } from '../../pipeline/alerts/dispatch-alert.ts';
import { alertBody, alertSubject } from './alert-text.ts';

/** SNS subjects (the e-mail subject of subscribers) are printable ASCII, one line, at most 100 characters. */
export function snsSubjectOf(alert: Alert): string {
  return alertSubject(alert)
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 100);
}

/**
 * Publishes alerts to an SNS topic, whose e-mail and SMS subscriptions reach people. The client
 * should be made with `maxAttempts: 1`: the dispatcher owns retries.
 */
export class SnsChannel implements AlertChannel {
  constructor(
    private readonly name: string,
    private readonly client: SNSClient,
    private readonly options: { readonly topicArn: string; readonly timeoutMs: number },
  ) {}

  async send(alert: Alert): Promise<void> {
    const command = new PublishCommand({
      TopicArn: this.options.topicArn,
      Subject: snsSubjectOf(alert),
      Message: alertBody(alert),
      // Lets a subscription's filter policy pick severities (e.g. SMS for critical only).
      MessageAttributes: { severity: { DataType: 'String', StringValue: alert.severity } },
    });
    try {
      await this.client.send(command, { abortSignal: AbortSignal.timeout(this.options.timeoutMs) });
    } catch (error) {
      // Client faults (no such topic, access denied) repeat; throttling and server faults pass.
      const { $fault, $retryable, name } = error as { $fault?: string; $retryable?: unknown; name?: string };
      const retryable = $fault !== 'client' || $retryable !== undefined;
      throw new AlertDeliveryError(this.name, `SNS: ${name ?? 'error'}`, retryable, { cause: error });
    }
  }
}
