import { randomUUID } from 'node:crypto';
import { classifyError, type ErrorClass } from '../domain/errors.ts';
import { describeError } from '../domain/redact.ts';
import type { Ledger } from './ledger.ts';
import type { Topic } from './messages.ts';
import type { Clock, DeadLetter, DeadLetterQueue } from './ports.ts';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface DeliveryDeps {
  readonly clock: Clock;
  readonly dlq: DeadLetterQueue;
  readonly ledger: Ledger;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  /** Told once a message is given up on (error event, job status). */
  readonly onDeadLetter: (letter: DeadLetter, errorType: ErrorClass) => Promise<void>;
}

/** Exponential backoff with full jitter: a random wait up to base x 2^(attempt-1), capped. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number): number {
  return Math.round(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
}

/**
 * Hands `message` to `handler`, retrying transient failures with backoff. When it fails for
 * good (a system error, or the last attempt of a transient one) it goes to the dead-letter
 * queue with its error history. Data-quality outcomes are handled inside the handlers.
 */
export async function deliverWithRetry(
  topic: Topic,
  handlerName: string,
  message: unknown,
  handler: (message: unknown) => Promise<void>,
  policy: RetryPolicy,
  deps: DeliveryDeps,
): Promise<'done' | 'dead-lettered'> {
  const errors: DeadLetter['errors'][number][] = [];
  for (let attempt = 1; ; attempt++) {
    try {
      await handler(message);
      return 'done';
    } catch (error) {
      const errorType = classifyError(error);
      // Kept in the letter, the ledger and the error event: sanitised, as engines quote the data they failed on.
      const text = describeError(error);
      errors.push({ attempt, error_type: errorType, message: text, at: deps.clock.now().toISOString() });
      if (errorType === 'transient' && attempt < policy.maxAttempts) {
        await deps.sleep(backoffMs(attempt, policy, deps.random));
        continue;
      }
      const jobId = (message as { job_id?: string } | null)?.job_id;
      const letter: DeadLetter = {
        id: `${jobId ?? randomUUID()}-${handlerName}`,
        topic,
        handler: handlerName,
        message,
        errors,
        created_at: deps.clock.now().toISOString(),
      };
      await deps.dlq.put(letter);
      if (jobId) await deps.ledger.finishJob(jobId, 'FAILED', deps.clock.now(), { error: `${errorType}: ${text}` });
      await deps.onDeadLetter(letter, errorType);
      return 'dead-lettered';
    }
  }
}
