import { deliverWithRetry, type RetryPolicy } from '../../../pipeline/deliver.ts';
import { reportDeadLetter } from '../../../pipeline/handlers/report-dead-letter.ts';
import type { Topic } from '../../../pipeline/messages.ts';
import { type LambdaContainer, manualReviewQueue } from '../aws-handler-deps.ts';
import { snsMessages } from './sns-messages.ts';

/**
 * Retries inside the invocation, as `watch` does: transient errors up to three attempts with
 * exponential backoff and full jitter, within a few seconds of the functions' minutes.
 */
export const LAMBDA_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 10_000 };

/** Runs one pipeline message; `container` is the function's wiring. */
export type TaskWork = (message: unknown, container: LambdaContainer) => Promise<void>;

/**
 * A subscribed function's entry: each SNS message goes through the same delivery as locally
 * (src/pipeline/deliver.ts). A system error, or a transient one whose attempts ran out, ends the
 * job here: the task on the manual-review queue, the ledger FAILED, the error event (which the
 * error handler rates by the alert policy), the FAILED status and the job's metrics. The invocation
 * then succeeds, so Lambda does not run a failed job again; Lambda's own retries and the function's
 * DLQ are left for a failure of this failure handling (say, SQS unreachable).
 */
export function createTaskHandler(
  topic: Topic,
  handlerName: string,
  work: TaskWork,
  container: () => LambdaContainer,
): (event: unknown) => Promise<void> {
  return async (event) => {
    const current = container();
    const { deps } = current;
    const dlq = current.dlq ?? manualReviewQueue(current.env);
    for (const message of snsMessages(event)) {
      await deliverWithRetry(topic, handlerName, message, (m) => work(m, current), LAMBDA_RETRY, {
        clock: deps.clock,
        ledger: deps.ledger,
        dlq,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        random: Math.random,
        onDeadLetter: (letter, errorType) => reportDeadLetter(deps, letter, errorType),
      });
    }
  };
}
