import type { FileHead } from '../domain/detect-format.ts';
import type { RecordCount, RecordSyntax } from '../domain/record-counter.ts';
import type { SqlDialect } from '../domain/sql-dialect.ts';
import type { JobWorkspace } from './file-job/job-workspace.ts';
import type { Topic } from './messages.ts';
import type { MetricSample } from './metrics/metric-catalog.ts';

/** A SQL engine that runs the plan in process (DuckDB); Spark on Glue is driven through its outputs instead. */
export interface Engine {
  readonly dialect: SqlDialect;
  run(sql: string): Promise<void>;
  query(sql: string): Promise<Record<string, unknown>[]>;
  /**
   * How far the statement running now is, 0 to 1, as the engine estimates it; null when it
   * can't tell. Polled for progress lines, so it must be cheap and callable while a statement runs.
   */
  progress(): number | null;
  /** A job's workspace, its scratch files under the folder `scratch`. */
  openWorkspace(jobId: string, scratch: string): JobWorkspace;
  close(): void;
}

/** The local files a job reads by path: its input and the companion files beside it. */
/** A file's size, modification time and identity (device and inode), compared to tell a change. */
export interface FileStamp {
  readonly size: number;
  readonly modified: string;
  readonly identity: string;
}

export interface InputFiles {
  /** The first bytes of a file, decompressed if it is gzip. */
  readHead(path: string): Promise<FileHead>;
  /** SHA-256 of a file, for `validate`, which archives nothing. */
  hash(path: string): Promise<string>;
  /**
   * The decompressed size of a gzip file, or null once it passes `limit` bytes (counted, not kept);
   * rejects when the compressed data is damaged (cut short, a failed CRC or length check).
   */
  countInflatedBytes(path: string, limit: number): Promise<number | null>;
  size(path: string): Promise<number>;
  /** The file's records counted from its bytes (inflated when gzip), independently of the engine's reader. */
  countRecords(path: string, gzip: boolean, syntax: RecordSyntax): Promise<RecordCount>;
  /** What changes when the file is written to or replaced. */
  stamp(path: string): Promise<FileStamp>;
  /** The names of the files in a folder, [] when it cannot be read. */
  list(folder: string): Promise<string[]>;
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

/** Where finished jobs' metrics go: CloudWatch (EMF) on AWS; locally they are computed from the root instead. */
export interface Metrics {
  record(samples: readonly MetricSample[]): void;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * Structured log sink. Callers pass identifiers and counts only, never claim values. `error` is for
 * work that failed (a job given up on, a pipeline error): what a search for errors in the logs finds.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}
