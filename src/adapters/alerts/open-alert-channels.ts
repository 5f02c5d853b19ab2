import type { AlertChannelConfig } from '../../pipeline/alerts/alerts-config.ts';
import type { AlertChannel } from '../../pipeline/alerts/dispatch-alert.ts';
import type { Logger } from '../../pipeline/ports.ts';
import { LogChannel } from './log-channel.ts';
import { PagerDutyChannel } from './pagerduty-channel.ts';
import { WebhookChannel } from './webhook-channel.ts';

/**
 * The configured channels, by name, with their secrets already resolved. nodemailer and the
 * AWS SDK are loaded only when a channel needs them, so other commands start no slower.
 */
export async function openAlertChannels(
  channels: Readonly<Record<string, AlertChannelConfig>>,
  logger: Logger,
): Promise<Map<string, AlertChannel>> {
  const opened = new Map<string, AlertChannel>();
  for (const [name, config] of Object.entries(channels)) opened.set(name, await openAlertChannel(name, config, logger));
  return opened;
}

async function openAlertChannel(name: string, config: AlertChannelConfig, logger: Logger): Promise<AlertChannel> {
  switch (config.type) {
    case 'log':
      return new LogChannel(logger);
    case 'webhook':
      return new WebhookChannel(name, { url: config.url, timeoutMs: config.timeout_ms });
    case 'pagerduty':
      return new PagerDutyChannel(name, {
        url: config.url,
        routingKey: config.routing_key,
        source: config.source,
        timeoutMs: config.timeout_ms,
      });
    case 'smtp': {
      const { SmtpChannel } = await import('./smtp-channel.ts');
      const { host, port, secure, auth, from, to, timeout_ms } = config;
      return new SmtpChannel(name, { host, port, secure, ...(auth ? { auth } : {}), from, to, timeoutMs: timeout_ms });
    }
    case 'sns': {
      const [{ SnsChannel }, { SNSClient }] = await Promise.all([
        import('./sns-channel.ts'),
        import('@aws-sdk/client-sns'),
      ]);
      // arn:aws:sns:<region>:<account>:<name>
      const region = config.topic_arn.split(':')[3];
      return new SnsChannel(name, new SNSClient({ region, maxAttempts: 1 }), {
        topicArn: config.topic_arn,
        timeoutMs: config.timeout_ms,
      });
    }
  }
}
