import { z } from 'zod';
import type { RaiseAlert } from '../../../pipeline/alerts/raise-alert.ts';
import { alertJobSucceeded, handleError } from '../../../pipeline/handlers/error-handler.ts';
import type { ErrorEvent } from '../../../pipeline/messages.ts';
import { openAwsAlerts } from '../aws-alerts.ts';
import { type LambdaContainer, lambdaContainer } from '../aws-handler-deps.ts';
import type { LambdaEnv } from '../lambda-env.ts';
import { snsMessages } from './sns-messages.ts';

const errorEventSchema = z.object({
  event_type: z.literal('error'),
  error_message: z.string(),
  error_type: z.enum(['transient', 'data_quality', 'system']),
  context: z.object({ function_name: z.string(), file: z.string(), job_id: z.string().optional() }),
  timestamp: z.string(),
}) satisfies z.ZodType<ErrorEvent>;

/** A job's SUCCEEDED status (the subscription's filter lets no other status through). */
const succeededSchema = z.object({
  event_type: z.literal('job_status_update'),
  status: z.literal('SUCCEEDED'),
  job_id: z.string(),
});

const alertMessageSchema = z.union([errorEventSchema, succeededSchema]);

/**
 * The alert function (error-handler): error events from the error topic and SUCCEEDED statuses
 * from the processing topic, each raised as an alert through the same policy and dispatcher as
 * locally (src/pipeline/alerts/): a pipeline failure or rejected file, or a job rated on its
 * report (error rate, duration, quality). The channels are opened once per container.
 */
export function createErrorHandler(
  container: () => LambdaContainer,
  openAlerts: (env: LambdaEnv, logger: LambdaContainer['deps']['logger']) => Promise<RaiseAlert> = openAwsAlerts,
): (event: unknown) => Promise<void> {
  let opened: Promise<RaiseAlert> | undefined;
  return async (event) => {
    const { env, deps } = container();
    // A failed opening (say, Secrets Manager throttled) is tried again by the next invocation.
    opened ??= openAlerts(env, deps.logger).catch((error: unknown) => {
      opened = undefined;
      throw error;
    });
    const raiseAlert = await opened;
    for (const message of snsMessages(event)) {
      const parsed = alertMessageSchema.parse(message);
      if (parsed.event_type === 'error') await handleError(parsed, { logger: deps.logger, raiseAlert });
      else await alertJobSucceeded(parsed.job_id, { store: deps.store, raiseAlert });
    }
  };
}

export const handler = createErrorHandler(lambdaContainer);
