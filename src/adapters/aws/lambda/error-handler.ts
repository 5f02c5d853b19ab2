import { z } from 'zod';
import { alertFor } from '../../../domain/alert-policy.ts';
import { handleError } from '../../../pipeline/handlers/error-handler.ts';
import type { ErrorEvent } from '../../../pipeline/messages.ts';
import { runConfigSchema } from '../../../pipeline/run-config.ts';
import { type LambdaContainer, lambdaContainer } from '../aws-handler-deps.ts';
import { snsMessages } from './sns-messages.ts';

const errorEventSchema = z.object({
  event_type: z.literal('error'),
  error_message: z.string(),
  error_type: z.enum(['transient', 'data_quality', 'system']),
  context: z.object({ function_name: z.string(), file: z.string(), job_id: z.string().optional() }),
  timestamp: z.string(),
}) satisfies z.ZodType<ErrorEvent>;

/** Error events are rated without thresholds; the default config's stand in. */
const ALERT_THRESHOLDS = runConfigSchema.parse({}).alerts.thresholds;

/**
 * Error events from the error topic -> error-handler, which logs each with the severity the alert
 * policy (src/domain/alert-policy.ts) gives it. The alert itself went out when the event was
 * published: the topic's e-mail and SMS subscriptions carry it, so nothing is published again
 * from here (that would loop through this function).
 */
export function createErrorHandler(container: () => LambdaContainer): (event: unknown) => Promise<void> {
  return async (event) => {
    const { logger } = container().deps;
    for (const message of snsMessages(event)) {
      await handleError(errorEventSchema.parse(message), {
        logger,
        raiseAlert: async (happening) => {
          const alert = alertFor(happening, ALERT_THRESHOLDS);
          logger.warn('alert', {
            severity: alert.severity,
            title: alert.title,
            job_id: alert.job_id,
            channel: 'error topic subscriptions',
          });
        },
      });
    }
  };
}

export const handler = createErrorHandler(lambdaContainer);
