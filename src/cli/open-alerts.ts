import { setTimeout as sleep } from 'node:timers/promises';
import { openAlertChannels } from '../adapters/alerts/open-alert-channels.ts';
import { ConfigError } from '../domain/errors.ts';
import { type AlertChannelConfig, type AlertsConfig, httpUrlSchema } from '../pipeline/alerts/alerts-config.ts';
import { createAlertRaiser, type RaiseAlert } from '../pipeline/alerts/raise-alert.ts';
import { type Logger, systemClock } from '../pipeline/ports.ts';
import { resolveEnvReference } from './env.ts';

export type { RaiseAlert };

/** Opens the configured channels (secrets resolved now, so a missing one stops the command before any work). */
export async function openAlerts(
  config: AlertsConfig,
  deps: { readonly configFile: string | undefined; readonly logger: Logger; readonly recordEvent: (e: object) => void },
): Promise<RaiseAlert> {
  const channels = await openAlertChannels(resolveSecrets(config.channels, deps.configFile ?? '(none)'), deps.logger);
  return createAlertRaiser(config, channels, {
    clock: systemClock,
    logger: deps.logger,
    sleep: (ms: number) => sleep(ms),
    recordEvent: deps.recordEvent,
  });
}

/** Replaces `env:NAME` references by their values; a webhook URL read from the environment is checked too. */
function resolveSecrets(
  channels: Readonly<Record<string, AlertChannelConfig>>,
  configFile: string,
): Record<string, AlertChannelConfig> {
  const resolve = (value: string, path: string): string => {
    const resolved = resolveEnvReference(value);
    if (resolved === undefined)
      throw new ConfigError(configFile, `is invalid: ${path}: environment variable ${value.slice(4)} is not set`);
    return resolved;
  };
  const resolveChannel = (name: string, channel: AlertChannelConfig): AlertChannelConfig => {
    const at = `alerts.channels.${name}`;
    switch (channel.type) {
      case 'webhook': {
        const url = resolve(channel.url, `${at}.url`);
        if (!httpUrlSchema.safeParse(url).success)
          throw new ConfigError(configFile, `is invalid: ${at}.url: the value of ${channel.url} is not an http(s) URL`);
        return { ...channel, url };
      }
      case 'pagerduty':
        return { ...channel, routing_key: resolve(channel.routing_key, `${at}.routing_key`) };
      case 'smtp':
        return channel.auth
          ? { ...channel, auth: { ...channel.auth, password: resolve(channel.auth.password, `${at}.auth.password`) } }
          : channel;
      default:
        return channel;
    }
  };
  return Object.fromEntries(Object.entries(channels).map(([name, channel]) => [name, resolveChannel(name, channel)]));
}
