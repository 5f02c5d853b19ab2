import { z } from 'zod';
import type { ErrorClass } from '../domain/errors.ts';
import type { ValidationReport } from './validation-report.ts';

/**
 * Message timestamps as the contracts print them, `YYYY-MM-DDTHH:MM:SSZ` (whole seconds, UTC).
 * Reports and the ledger keep milliseconds: they time stages.
 */
export function messageTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** An S3 event notification (the subset the trigger reads); the local watcher emits the same shape. */
export const s3EventSchema = z.object({
  Records: z.array(
    z.object({
      /** `ObjectCreated:Put` as S3 sends it; examples print it with the configuration's `s3:` prefix, or leave it out. */
      eventName: z.string().default('ObjectCreated:Put'),
      eventTime: z.string().optional(),
      s3: z.object({
        bucket: z.object({ name: z.string() }),
        object: z.object({
          key: z.string(),
          size: z.number().int().nonnegative().optional(),
          /** What S3 says of the object version: with these the trigger never reads the object. */
          versionId: z.string().optional(),
          eTag: z.string().optional(),
          sequencer: z.string().optional(),
        }),
      }),
    }),
  ),
});
export type S3Event = z.infer<typeof s3EventSchema>;

/** Trigger response (DESIGN.md message contracts). */
export interface TriggerResponse {
  readonly statusCode: 200;
  readonly body: { readonly message: string; readonly jobs_started: readonly string[]; readonly timestamp: string };
}

export type JobStatus = 'STARTED' | 'SUCCEEDED' | 'FAILED';

export interface JobStatusEvent {
  readonly event_type: 'job_status_update';
  readonly job_id: string;
  readonly status: JobStatus;
  readonly input_file: string;
  readonly timestamp: string;
}

export interface ErrorEvent {
  readonly event_type: 'error';
  readonly error_message: string;
  readonly error_type: ErrorClass;
  readonly context: { readonly function_name: string; readonly file: string; readonly job_id?: string };
  readonly timestamp: string;
}

/** Validation output (DESIGN.md), sent once a file's rows have been checked. */
export interface ValidationEvent {
  readonly event_type: 'validation_output';
  readonly job_id: string;
  readonly input_file: string;
  readonly validation_status: ValidationReport['validation_status'];
  readonly report_location: string;
  readonly summary: ValidationReport['summary'];
  readonly timestamp: string;
}

/** A delivery recorded and not processed, because the same content was processed before. */
export interface SkipEvent {
  readonly event_type: 'delivery_skipped';
  readonly input_file: string;
  readonly duplicate_of: string;
  readonly timestamp: string;
}

export type PipelineEvent = JobStatusEvent | ErrorEvent | ValidationEvent | SkipEvent;

/** Work handed from one handler to the next; `key` is the object's key in the store. */
export const fileTaskSchema = z.object({
  job_id: z.string(),
  key: z.string(),
  /**
   * The delivery's key in the ledger: the content's SHA-256 when the trigger read it (local files),
   * else the SHA-256 of the object version's identity as S3 reported it (see deliveryKeyOf).
   */
  sha256: z.string(),
  input_file: z.string(),
  /** `YYYY-MM` partitions the ETL changed, for post-processing. */
  months: z.array(z.string()).default([]),
  /** The object's size as etl found it (on AWS), for the job's cost estimate. */
  bytes: z.number().int().nonnegative().optional(),
});
export type FileTask = z.infer<typeof fileTaskSchema>;

/** Topics of the bus: SNS topics on AWS, in-process locally. */
export const TOPICS = {
  validate: 'claims.validate',
  etl: 'claims.etl',
  postProcess: 'claims.post-process',
  events: 'claims.events',
  errors: 'claims.errors',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
