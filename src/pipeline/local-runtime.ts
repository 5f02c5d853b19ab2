import type { Happening } from '../domain/alert-policy.ts';
import { type DeliveryDeps, deliverWithRetry, type RetryPolicy } from './deliver.ts';
import { handleDataValidation } from './handlers/data-validation.ts';
import { alertJobSucceeded, handleError } from './handlers/error-handler.ts';
import { handleEtl } from './handlers/etl.ts';
import type { HandlerDeps } from './handlers/handler-deps.ts';
import { handlePostProcessing } from './handlers/post-processing.ts';
import { reportDeadLetter } from './handlers/report-dead-letter.ts';
import { handleS3EventTrigger } from './handlers/s3-event-trigger.ts';
import { createLimiter } from './limiter.ts';
import {
  type ErrorEvent,
  type PipelineEvent,
  type S3Event,
  TOPICS,
  type Topic,
  type TriggerResponse,
} from './messages.ts';
import type { DeadLetterQueue, EventBus } from './ports.ts';

export interface LocalRuntimeDeps extends Omit<HandlerDeps, 'bus' | 'exclusive'> {
  readonly dlq: DeadLetterQueue;
  /** Where events go (the JSON-lines log). */
  readonly recordEvent: (event: object) => void;
  /** Rates a happening with the alert policy and sends the alert to the channels of its severity. */
  readonly raiseAlert: (happening: Happening) => Promise<void>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

export interface LocalRuntimeOptions {
  /** Files processed at once. */
  readonly concurrency: number;
  readonly retry: RetryPolicy;
}

type Handler = (message: unknown, deps: HandlerDeps) => Promise<void>;

const WORK: ReadonlyArray<readonly [Topic, string, Handler]> = [
  [TOPICS.validate, 'data-validation', handleDataValidation],
  [TOPICS.etl, 'etl', handleEtl],
  [TOPICS.postProcess, 'post-processing', handlePostProcessing],
];

/**
 * The handlers wired to an in-process bus: the same message shapes and topics as SNS on
 * AWS, with retries, a dead-letter queue and a bound on files in flight.
 */
export class LocalRuntime implements EventBus {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly fileSlots: ReturnType<typeof createLimiter>;
  private readonly handlerDeps: HandlerDeps;
  private readonly deliveryDeps: DeliveryDeps;

  constructor(
    private readonly deps: LocalRuntimeDeps,
    private readonly options: LocalRuntimeOptions,
  ) {
    this.fileSlots = createLimiter(options.concurrency);
    this.handlerDeps = { ...deps, bus: this, exclusive: createLimiter(1) };
    this.deliveryDeps = {
      ...deps,
      onDeadLetter: (letter, errorType) => reportDeadLetter(this.handlerDeps, letter, errorType),
    };
  }

  async publish(topic: Topic, message: unknown): Promise<void> {
    if (topic === TOPICS.events || topic === TOPICS.errors) {
      this.deps.recordEvent(message as object);
      if (topic === TOPICS.errors) this.track(handleError(message as ErrorEvent, this.deps));
      const event = message as PipelineEvent;
      if (event.event_type === 'job_status_update' && event.status === 'SUCCEEDED')
        this.track(alertJobSucceeded(event.job_id, this.deps));
      return;
    }
    const work = WORK.find(([t]) => t === topic);
    if (!work) throw new Error(`no handler for topic ${topic}`);
    const [, name, handler] = work;
    // A file holds a slot from validation to ETL; post-processing is brief and serialised.
    const deliver = () =>
      deliverWithRetry(
        topic,
        name,
        message,
        (m) => handler(m, this.handlerDeps),
        this.options.retry,
        this.deliveryDeps,
      );
    this.track(topic === TOPICS.postProcess ? deliver() : this.fileSlots(deliver));
  }

  /** s3-event-trigger, as S3 would invoke it. */
  trigger(event: S3Event): Promise<TriggerResponse> {
    return handleS3EventTrigger(event, this.handlerDeps);
  }

  /** Restarts jobs a stopped process left unfinished: outputs are rewritten whole, so nothing doubles. */
  async recover(): Promise<string[]> {
    const jobs = await this.deps.ledger.unfinishedJobs();
    for (const job of jobs) {
      const file = job.input_key.split('/').pop() ?? job.input_key;
      await this.publish(TOPICS.validate, {
        job_id: job.job_id,
        key: job.input_key,
        sha256: job.sha256,
        input_file: file,
        months: [],
      });
    }
    return jobs.map((j) => j.job_id);
  }

  /** Replays a dead letter through its handler; it leaves the queue, and comes back if it fails again. */
  async replay(letter: { id: string; topic: Topic; message: unknown }): Promise<void> {
    await this.deps.dlq.remove(letter.id);
    await this.publish(letter.topic, letter.message);
  }

  /** Resolves when no work is in flight (including work that work starts). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => {
      this.deps.logger.error('runtime error', {
        error: error instanceof Error ? error.message.split('\n')[0] : String(error),
      });
    });
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }
}
