import { handleS3EventTrigger } from '../../../pipeline/handlers/s3-event-trigger.ts';
import type { TriggerResponse } from '../../../pipeline/messages.ts';
import { type LambdaContainer, lambdaContainer } from '../aws-handler-deps.ts';

/** S3 ObjectCreated on raw/claims/ -> s3-event-trigger, which parses the event (URL-encoded or raw keys). */
export function createTriggerHandler(container: () => LambdaContainer): (event: unknown) => Promise<TriggerResponse> {
  return (event) => handleS3EventTrigger(event, container().deps);
}

export const handler = createTriggerHandler(lambdaContainer);
