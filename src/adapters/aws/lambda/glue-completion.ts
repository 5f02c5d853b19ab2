import { GlueClient } from '@aws-sdk/client-glue';
import { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { TransientError } from '../../../domain/errors.ts';
import { handleSparkCompletion } from '../../../pipeline/handlers/spark-completion.ts';
import { type LambdaContainer, lambdaContainer } from '../aws-handler-deps.ts';
import { GlueJobRunner, GlueRunError } from '../glue-job-runner.ts';
import { SqsDeadLetterQueue } from '../sqs-dead-letter-queue.ts';

/** The EventBridge event of a Glue job run's state change (the fields read here). */
const glueStateChangeSchema = z.object({
  source: z.literal('aws.glue'),
  'detail-type': z.literal('Glue Job State Change'),
  detail: z.object({ jobName: z.string(), jobRunId: z.string(), state: z.string() }),
});

/**
 * EventBridge `Glue Job State Change` of the plan runner (SUCCEEDED, FAILED, TIMEOUT, STOPPED,
 * ERROR) -> glue-completion. The event names the run, not the claimflow job: GetJobRun gives the
 * run's `--job_id` argument and its state, with Glue's error cut before any quoted text (the
 * event's own message is not read: Spark messages can quote row values). Failures throw for
 * Lambda's retries; the handler is safe to run twice for one run.
 */
export function createGlueCompletionHandler(
  container: () => LambdaContainer,
  glue: GlueClient = new GlueClient({}),
  sqs: SQSClient = new SQSClient({}),
): (event: unknown) => Promise<void> {
  return async (event) => {
    const { detail } = glueStateChangeSchema.parse(event);
    const { env, deps } = container();
    if (detail.jobName !== env.GLUE_JOB_NAME) {
      deps.logger.warn('glue event of another job ignored', { job_run_id: detail.jobRunId });
      return;
    }
    const run = await new GlueJobRunner(glue, env.GLUE_JOB_NAME).runState(detail.jobRunId);
    // EventBridge can deliver the event before GetJobRun shows the final state: a retry reads it again.
    if (!run.finished) throw new TransientError(`glue run ${run.runId} is still ${run.state}`);
    const jobId = run.arguments['--job_id'];
    if (!jobId) throw new GlueRunError(env.GLUE_JOB_NAME, `run ${run.runId} has no --job_id argument`);
    await handleSparkCompletion(
      {
        jobId,
        runId: run.runId,
        state: run.state,
        succeeded: run.succeeded,
        error: run.error,
        executionSeconds: run.executionSeconds,
      },
      { ...deps, dlq: new SqsDeadLetterQueue(sqs, env.DEAD_LETTER_QUEUE_URL) },
    );
  };
}

export const handler = createGlueCompletionHandler(lambdaContainer);
