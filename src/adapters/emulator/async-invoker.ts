import { randomUUID } from 'node:crypto';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { EmulatedFunction } from './emulated-function.ts';
import type { InvocationOutcome } from './lambda-process.ts';

/** One attempt of one async invocation, as the emulator records it. */
export interface InvocationRecord {
  readonly function: string;
  readonly requestId: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  readonly event: unknown;
  readonly outcome: InvocationOutcome;
}

export interface AsyncInvokerOptions {
  /**
   * Waits before each retry. Lambda waits about 1 and 2 minutes; the emulator's default is 1 and
   * 2 seconds, so a retried failure shows in a test.
   */
  readonly retryDelaysMs?: readonly number[];
  /** Invocations running at once, over all functions (the machine's cores, not Lambda's quota). */
  readonly concurrency?: number;
}

/**
 * Lambda's asynchronous invocation: the event is queued, an attempt that fails (an error, a crash,
 * memory or time exceeded) is retried up to the function's MaximumRetryAttempts, and the event of
 * the last failed attempt goes to the function's dead-letter queue with Lambda's attributes
 * (RequestID, ErrorCode, ErrorMessage).
 */
export class AsyncInvoker {
  readonly records: InvocationRecord[] = [];
  private readonly waiting: Array<() => void> = [];
  private running = 0;
  private pending = 0;

  constructor(
    private readonly run: (fn: EmulatedFunction, event: unknown) => Promise<InvocationOutcome>,
    private readonly sqs: SQSClient,
    private readonly options: AsyncInvokerOptions = {},
  ) {}

  /** Queues an event for the function; returns at once, as InvokeAsync does. */
  invoke(fn: EmulatedFunction, event: unknown): void {
    this.pending += 1;
    void this.attempts(fn, event).finally(() => {
      this.pending -= 1;
    });
  }

  /** Whether no invocation is queued, running or waiting for a retry. */
  get idle(): boolean {
    return this.pending === 0;
  }

  private async attempts(fn: EmulatedFunction, event: unknown): Promise<void> {
    const requestId = randomUUID();
    const delays = this.options.retryDelaysMs ?? [1000, 2000];
    let last: InvocationOutcome | undefined;
    for (let attempt = 1; attempt <= fn.retryAttempts + 1; attempt += 1) {
      if (attempt > 1) await sleep(delays[Math.min(attempt - 2, delays.length - 1)] ?? 0);
      last = await this.slot(() => this.run(fn, event)).catch(
        (error: unknown): InvocationOutcome => ({
          ok: false,
          errorType: 'Emulator.InvokeError',
          errorMessage: String(error),
          peakRssMb: 0,
          seconds: 0,
        }),
      );
      this.records.push({ function: fn.logicalId, requestId, attempt, event, outcome: last });
      if (last.ok) return;
    }
    if (!fn.deadLetterQueueUrl || !last || last.ok) return;
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: fn.deadLetterQueueUrl,
        MessageBody: JSON.stringify(event),
        MessageAttributes: {
          RequestID: { DataType: 'String', StringValue: requestId },
          ErrorCode: { DataType: 'Number', StringValue: '200' },
          ErrorMessage: { DataType: 'String', StringValue: `${last.errorType}: ${last.errorMessage}`.slice(0, 1000) },
        },
      }),
    );
  }

  private async slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= (this.options.concurrency ?? 2)) await new Promise<void>((go) => this.waiting.push(go));
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
