import { z } from 'zod';
import type { JobStatus } from '../messages.ts';

/**
 * The fields of a validation report (docs/output-layout.md) that monitoring reads. Parsing drops
 * everything else, rule samples with their claim ids included, so no claim value travels further.
 */
export const monitoredReportSchema = z.object({
  job_id: z.string(),
  input_file: z.string(),
  /** The source the file's rows were attributed to: the dashboard's quality trend is per source. */
  data_source: z.string().default('unknown'),
  validation_status: z.enum(['success', 'failed']),
  /** The rule that rejected the file whole, by id only (its reason can quote the file's content). */
  file_error: z.object({ rule_id: z.string() }).nullable().default(null),
  /** Rule ids and their failed-row counts; descriptions and samples (claim ids) are dropped. */
  rules: z.array(z.object({ rule_id: z.string(), action: z.string(), row_count: z.number() })).default([]),
  summary: z.object({ total_records: z.number(), valid_records: z.number(), error_records: z.number() }),
  processed_records: z.number(),
  duplicates_removed: z.object({ total: z.number() }),
  quality: z.object({ score: z.number(), grade: z.string() }).nullable(),
  started_at: z.string(),
  finished_at: z.string(),
  outputs: z.object({
    processed: z.array(z.string()),
    quarantine_rows: z.string().nullable(),
    quarantine_file: z.string().nullable(),
    archive: z.string().nullable(),
  }),
  timings_ms: z.record(z.string(), z.number()),
});

export type MonitoredReport = z.infer<typeof monitoredReportSchema> & {
  /** Size of the archived input, when it is there to measure. */
  readonly input_bytes: number | null;
  /** Whether `<job_id>.html` sits next to the JSON. */
  readonly has_html: boolean;
};

/** An alert as the dispatcher records it in the event log (the shared contract). */
export const alertRecordSchema = z.object({
  event_type: z.literal('alert'),
  severity: z.enum(['critical', 'high', 'medium', 'low']),
  title: z.string(),
  summary: z.string(),
  job_id: z.string().optional(),
  file: z.string().optional(),
  rule_id: z.string().optional(),
  deliveries: z.array(z.object({ channel: z.string(), ok: z.boolean(), attempts: z.number() })).default([]),
  timestamp: z.string(),
});
export type AlertRecord = z.infer<typeof alertRecordSchema>;

/** A dead letter without its message or error texts: engine errors can quote a claim value. */
export const deadLetterSummarySchema = z
  .object({
    id: z.string(),
    handler: z.string(),
    created_at: z.string(),
    errors: z.array(z.object({ error_type: z.string() })),
  })
  .transform((l) => ({
    id: l.id,
    handler: l.handler,
    created_at: l.created_at,
    attempts: l.errors.length,
    last_error_type: l.errors.at(-1)?.error_type ?? null,
  }));
export type DeadLetterSummary = z.infer<typeof deadLetterSummarySchema>;

/** A job as the ledger keeps it (only `watch` writes the ledger; `run` leaves reports only). */
export interface LedgerJob {
  readonly job_id: string;
  readonly input_key: string;
  readonly status: JobStatus;
  readonly attempts: number;
  readonly started_at: string;
  readonly finished_at: string | null;
}

export interface InboxFile {
  /** Object key, e.g. `raw/claims/claims.csv`. */
  readonly key: string;
  readonly size: number;
}

/** Everything monitoring knows about a root at one moment; metrics are computed from it alone. */
export interface MonitoringSnapshot {
  readonly now: Date;
  readonly reports: readonly MonitoredReport[];
  readonly jobs: readonly LedgerJob[];
  readonly alerts: readonly AlertRecord[];
  readonly inbox: readonly InboxFile[];
  readonly deadLetters: readonly DeadLetterSummary[];
}
