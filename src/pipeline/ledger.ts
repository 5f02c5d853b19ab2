import type { JobStatus } from './messages.ts';

export interface JobRecord {
  readonly job_id: string;
  readonly input_key: string;
  readonly sha256: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly started_at: string;
  readonly finished_at: string | null;
  readonly total_records: number | null;
  readonly processed_records: number | null;
  readonly quarantined_records: number | null;
  readonly error: string | null;
}

export type DeliveryClaim = { readonly kind: 'new' } | { readonly kind: 'duplicate'; readonly job_id: string };

/** Idempotency and job metadata: SQLite locally, DynamoDB on AWS. */
export interface Ledger {
  /**
   * Records a delivery of content `sha256` at `key`. It is a duplicate when a job for the same
   * content succeeded or is in flight; otherwise a new STARTED job is recorded atomically.
   */
  claimDelivery(sha256: string, key: string, jobId: string, at: Date): Promise<DeliveryClaim>;
  recordAttempt(jobId: string): Promise<void>;
  finishJob(
    jobId: string,
    status: Exclude<JobStatus, 'STARTED'>,
    at: Date,
    details: { total?: number; processed?: number; quarantined?: number; error?: string },
  ): Promise<void>;
  /** Jobs left STARTED by a process that stopped: to be finished on restart. */
  unfinishedJobs(): Promise<JobRecord[]>;
  job(jobId: string): Promise<JobRecord | undefined>;
  jobs(limit: number): Promise<JobRecord[]>;
  close(): void;
}
