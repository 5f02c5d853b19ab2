import type { Topic } from './messages.ts';

/** A SQL engine that runs the plan: DuckDB in-process here, Spark on Glue elsewhere. */
export interface Engine {
  run(sql: string): Promise<void>;
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

/** Publishes messages on a topic: SNS on AWS, the in-process bus locally. */
export interface EventBus {
  publish(topic: Topic, message: unknown): Promise<void>;
}

/** A message that failed for good, kept with its error history for manual review and replay. */
export interface DeadLetter {
  readonly id: string;
  readonly topic: Topic;
  readonly handler: string;
  readonly message: unknown;
  readonly errors: ReadonlyArray<{ attempt: number; error_type: string; message: string; at: string }>;
  readonly created_at: string;
}

export interface DeadLetterQueue {
  put(letter: DeadLetter): Promise<void>;
  list(): Promise<DeadLetter[]>;
  remove(id: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Structured log sink. Callers pass identifiers and counts only, never claim values. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}
