import { alertFor, type Happening } from '../../domain/alert-policy.ts';
import type { Clock, Logger } from '../ports.ts';
import type { AlertsConfig } from './alerts-config.ts';
import { type AlertChannel, dispatchAlert } from './dispatch-alert.ts';

/** Raises an alert about a happening: the policy decides its severity, the dispatcher its channels. */
export type RaiseAlert = (happening: Happening) => Promise<void>;

/**
 * The one way an alert is raised, by `run`, `watch`, the dashboard and the AWS error handler alike:
 * rated by the policy with the config's thresholds, sent to the channels its severity is routed to.
 */
export function createAlertRaiser(
  config: Pick<AlertsConfig, 'routes' | 'thresholds' | 'retry'>,
  channels: ReadonlyMap<string, AlertChannel>,
  deps: {
    readonly clock: Clock;
    readonly logger: Logger;
    readonly sleep: (ms: number) => Promise<void>;
    readonly recordEvent: (event: object) => void;
  },
): RaiseAlert {
  const dispatchDeps = {
    ...deps,
    channels,
    routes: config.routes,
    retry: {
      maxAttempts: config.retry.max_attempts,
      baseDelayMs: config.retry.base_delay_ms,
      maxDelayMs: config.retry.max_delay_ms,
    },
    random: Math.random,
  };
  return async (happening) => {
    await dispatchAlert(alertFor(happening, config.thresholds), dispatchDeps);
  };
}
