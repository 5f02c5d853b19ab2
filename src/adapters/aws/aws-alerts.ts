import { setTimeout as sleep } from 'node:timers/promises';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ClaimflowError } from '../../domain/errors.ts';
import { type AlertsConfig, alertsConfigSchema, httpUrlSchema } from '../../pipeline/alerts/alerts-config.ts';
import { createAlertRaiser, type RaiseAlert } from '../../pipeline/alerts/raise-alert.ts';
import { type Logger, systemClock } from '../../pipeline/ports.ts';
import { openAlertChannels } from '../alerts/open-alert-channels.ts';
import type { LambdaEnv } from './lambda-env.ts';
import { readSecretString } from './secrets-manager-secret.ts';

/**
 * The alert channels' secrets, kept in Secrets Manager (`ALERT_SECRET_ARN`, never in the template):
 * the Slack-compatible webhook URL and the PagerDuty Events v2 routing key (and endpoint), each optional.
 */
export const alertSecretSchema = z.object({
  slack_webhook_url: httpUrlSchema.optional(),
  pagerduty_routing_key: z.string().min(1).optional(),
  /** Another Events v2 endpoint, e.g. an EU account's https://events.eu.pagerduty.com/v2/enqueue. */
  pagerduty_url: httpUrlSchema.optional(),
});
export type AlertSecret = z.infer<typeof alertSecretSchema>;

/** The alert channels' secret cannot be used; the message names fields, never their values. */
export class AlertSecretError extends ClaimflowError {
  readonly code = 'alert_secret';
  constructor(readonly problem: string) {
    super(`alert channels secret (ALERT_SECRET_ARN) ${problem}`);
  }
}

function parseAlertSecret(text: string): AlertSecret {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AlertSecretError('is not a JSON object');
  }
  const parsed = alertSecretSchema.safeParse(value);
  if (!parsed.success)
    throw new AlertSecretError(
      `has invalid ${[...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ')}`,
    );
  return parsed.data;
}

/**
 * The channels and routes on AWS, as the reference design routes severities: every alert to the
 * alert topic (its e-mail subscription takes all, its SMS subscription critical and high, by the
 * `severity` attribute), to Slack for the team, to PagerDuty when critical; and to the log.
 */
export function awsAlertsConfig(alertTopicArn: string | undefined, secret: AlertSecret): AlertsConfig {
  const slack = secret.slack_webhook_url;
  const pagerduty = secret.pagerduty_routing_key;
  const everyLevel = ['log', ...(alertTopicArn ? ['sns'] : []), ...(slack ? ['slack'] : [])];
  return alertsConfigSchema.parse({
    channels: {
      ...(alertTopicArn && { sns: { type: 'sns', topic_arn: alertTopicArn } }),
      ...(slack && { slack: { type: 'webhook', url: slack } }),
      ...(pagerduty && {
        pagerduty: {
          type: 'pagerduty',
          routing_key: pagerduty,
          ...(secret.pagerduty_url && { url: secret.pagerduty_url }),
        },
      }),
    },
    routes: {
      critical: [...everyLevel, ...(pagerduty ? ['pagerduty'] : [])],
      high: everyLevel,
      medium: everyLevel,
      low: everyLevel,
    },
  });
}

/** Reads the channels' secret (once per container) and opens the channels with the shared dispatcher. */
export async function openAwsAlerts(
  env: Pick<LambdaEnv, 'ALERT_TOPIC_ARN' | 'ALERT_SECRET_ARN'>,
  logger: Logger,
  readSecret: (secretArn: string) => Promise<string> = (arn) =>
    // arn:aws:secretsmanager:<region>:<account>:secret:<name>
    readSecretString(arn, new SecretsManagerClient({ region: arn.split(':')[3] ?? '' })),
): Promise<RaiseAlert> {
  const secret = env.ALERT_SECRET_ARN ? parseAlertSecret(await readSecret(env.ALERT_SECRET_ARN)) : {};
  const config = awsAlertsConfig(env.ALERT_TOPIC_ARN, secret);
  const channels = await openAlertChannels(config.channels, logger);
  return createAlertRaiser(config, channels, {
    clock: systemClock,
    logger,
    sleep: (ms) => sleep(ms),
    // No event log on AWS: the log channel's line and this one are the record Logs Insights reads.
    recordEvent: (record) => {
      const { severity, job_id, deliveries } = record as { severity: string; job_id?: string; deliveries: unknown[] };
      logger.info('alert recorded', { severity, job_id, channels: deliveries.length });
    },
  });
}
