import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import type { Context } from 'aws-lambda';
import { handlePostProcessing } from '../../../pipeline/handlers/post-processing.ts';
import { fileTaskSchema, TOPICS } from '../../../pipeline/messages.ts';
import { type LambdaContainer, lambdaContainer, redshiftMonthLoader } from '../aws-handler-deps.ts';
import { createTaskHandler } from './deliver-task.ts';

/**
 * `claims.post-process` tasks from the processing topic -> post-processing, delivered as locally
 * (deliver-task.ts), whose warehouse step loads the task's months of every table into Redshift when one is configured.
 */
export function createPostProcessingHandler(
  container: () => LambdaContainer,
  redshift: RedshiftDataClient = new RedshiftDataClient({}),
): (event: unknown, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<void> {
  return (event, context) =>
    createTaskHandler(
      TOPICS.postProcess,
      'post-processing',
      async (message, { env, deps }) => {
        const loadMonths = redshiftMonthLoader(
          env,
          redshift,
          (prefix) => deps.store.list(prefix),
          () => (context ? context.getRemainingTimeInMillis() : Number.POSITIVE_INFINITY),
        );
        const task = fileTaskSchema.parse(message);
        const refreshWarehouse = loadMonths ? () => loadMonths(task.months) : deps.refreshWarehouse;
        await handlePostProcessing(task, { ...deps, refreshWarehouse });
      },
      container,
    )(event);
}

export const handler = createPostProcessingHandler(lambdaContainer);
