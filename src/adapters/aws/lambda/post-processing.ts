import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import type { Context } from 'aws-lambda';
import { handlePostProcessing } from '../../../pipeline/handlers/post-processing.ts';
import { fileTaskSchema } from '../../../pipeline/messages.ts';
import { type LambdaContainer, lambdaContainer, redshiftMonthLoader } from '../aws-handler-deps.ts';
import { snsMessages } from './sns-messages.ts';

/**
 * `claims.post-process` tasks from the processing topic -> post-processing, whose warehouse step
 * loads the task's months into Redshift when one is configured. Failures throw for Lambda's retries.
 */
export function createPostProcessingHandler(
  container: () => LambdaContainer,
  redshift: RedshiftDataClient = new RedshiftDataClient({}),
): (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<void> {
  return async (event, context) => {
    const { env, deps } = container();
    const loadMonths = redshiftMonthLoader(env, redshift, () =>
      context ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY,
    );
    for (const message of snsMessages(event)) {
      const task = fileTaskSchema.parse(message);
      const refreshWarehouse = loadMonths ? () => loadMonths(task.months) : deps.refreshWarehouse;
      await handlePostProcessing(task, { ...deps, refreshWarehouse });
    }
  };
}

export const handler = createPostProcessingHandler(lambdaContainer);
