import type { LedgerJob, MonitoredReport, MonitoringSnapshot } from '../../src/pipeline/metrics/monitoring-snapshot.ts';

/** When the snapshot is taken; the jobs' times are set relative to it. */
export const NOW = new Date('2026-01-31T12:00:00.000Z');

/** A job's report with the given counts; other fields as overridden. */
export function report(
  jobId: string,
  fields: Partial<MonitoredReport> & { total: number; error: number; processed: number; duplicates: number },
): MonitoredReport {
  const { total, error, processed, duplicates, ...rest } = fields;
  return {
    job_id: jobId,
    input_file: `${jobId}.csv`,
    data_source: 'claimflow',
    validation_status: 'success',
    file_error: null,
    rules: [],
    summary: { total_records: total, valid_records: total - error, error_records: error },
    processed_records: processed,
    duplicates_removed: { total: duplicates },
    quality: null,
    started_at: '2026-01-31T11:00:00.000Z',
    finished_at: '2026-01-31T11:00:01.000Z',
    outputs: {
      processed: [`processed/claims/year=2025/month=10/${jobId}.csv-0.parquet`],
      quarantine_rows: null,
      quarantine_file: null,
      archive: `archive/2026-01-31/${jobId}/${jobId}.csv`,
    },
    timings_ms: {},
    input_bytes: 1000,
    has_html: true,
    ...rest,
  };
}

const ledger = (job: Partial<LedgerJob> & Pick<LedgerJob, 'job_id' | 'status'>): LedgerJob => ({
  input_key: `raw/claims/${job.job_id}.csv`,
  attempts: 1,
  started_at: '2026-01-31T10:00:00.000Z',
  finished_at: null,
  ...job,
});

/**
 * One monitored root, shared by the compute-metrics and summarize-operations tests.
 * A: `run`, in the last hour. B: `run`, rejected three hours ago. C: `validate` only.
 * D: `watch`, ETL done but post-processing pending. E: `watch`, system failure, no report.
 * F: `watch`, succeeded in the last hour.
 */
export const SNAPSHOT: MonitoringSnapshot = {
  now: NOW,
  reports: [
    report('A', {
      total: 1000,
      error: 20,
      processed: 970,
      duplicates: 10,
      quality: { score: 97.5, grade: 'A' },
      rules: [
        { rule_id: 'invalid_npi', action: 'quarantine', row_count: 12 },
        { rule_id: 'late_claim', action: 'warn', row_count: 8 },
        { rule_id: 'invalid_drg', action: 'quarantine', row_count: 0 },
      ],
      started_at: '2026-01-31T11:29:58.000Z',
      finished_at: '2026-01-31T11:30:00.000Z',
      timings_ms: { ingest: 100, check: 300, publish: 200, 'Bad Stage!': 5 },
      outputs: {
        processed: ['processed/claims/year=2025/month=10/A.csv-0.parquet'],
        quarantine_rows: 'quarantine/rows/A.csv.parquet',
        quarantine_file: null,
        archive: 'archive/2026-01-31/A/A.csv',
      },
    }),
    report('B', {
      validation_status: 'failed',
      data_source: 'acme',
      file_error: { rule_id: 'error_rate_exceeded' },
      rules: [
        { rule_id: 'invalid_npi', action: 'warn', row_count: 300 },
        { rule_id: 'error_rate_exceeded', action: 'halt', row_count: 1 },
      ],
      total: 500,
      error: 500,
      processed: 0,
      duplicates: 0,
      started_at: '2026-01-31T09:09:59.000Z',
      finished_at: '2026-01-31T09:10:00.000Z',
      timings_ms: { archive: 5, ingest: 50, check: 100 },
      outputs: {
        processed: [],
        quarantine_rows: null,
        quarantine_file: 'quarantine/files/B/B.csv',
        archive: 'archive/2026-01-31/B/B.csv',
      },
    }),
    report('C', {
      rules: [{ rule_id: 'invalid_amount', action: 'quarantine', row_count: 50 }],
      total: 50,
      error: 50,
      processed: 0,
      duplicates: 0,
      finished_at: '2026-01-31T11:50:00.000Z',
      outputs: { processed: [], quarantine_rows: null, quarantine_file: null, archive: null },
    }),
    report('D', { total: 10, error: 0, processed: 10, duplicates: 0, timings_ms: { ingest: 999 } }),
    report('F', {
      total: 100,
      error: 0,
      processed: 100,
      duplicates: 0,
      quality: { score: 100, grade: 'A' },
      timings_ms: { ingest: 10, check: 20, publish: 30 },
    }),
  ],
  jobs: [
    ledger({ job_id: 'D', status: 'STARTED', started_at: '2026-01-31T11:55:00.000Z' }),
    ledger({ job_id: 'E', status: 'FAILED', finished_at: '2026-01-31T10:00:05.000Z' }),
    ledger({
      job_id: 'F',
      status: 'SUCCEEDED',
      started_at: '2026-01-31T11:44:00.000Z',
      finished_at: '2026-01-31T11:45:00.000Z',
    }),
  ],
  alerts: [
    {
      event_type: 'alert',
      severity: 'low',
      title: 'old',
      summary: 's',
      deliveries: [],
      timestamp: '2026-01-31T08:00:00Z',
    },
    {
      event_type: 'alert',
      severity: 'critical',
      title: 'new',
      summary: 's',
      deliveries: [],
      timestamp: '2026-01-31T11:00:00Z',
    },
  ],
  inbox: [
    { key: 'raw/claims/D.csv', size: 10 },
    { key: 'raw/claims/new.csv', size: 10 },
    { key: 'raw/claims/.hidden.csv', size: 10 },
    { key: 'raw/claims/partial.csv.part', size: 10 },
    { key: 'raw/claims/empty.csv', size: 0 },
    { key: 'raw/claims/notes.docx', size: 10 },
  ],
  deadLetters: [
    { id: 'E-etl', handler: 'etl', created_at: '2026-01-31T10:00:05Z', attempts: 3, last_error_type: 'transient' },
    { id: 'G-etl', handler: 'etl', created_at: '2026-01-31T11:00:05Z', attempts: 1, last_error_type: 'system' },
  ],
};
