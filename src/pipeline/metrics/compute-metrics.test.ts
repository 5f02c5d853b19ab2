import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeMetrics, TREND_HOURS } from './compute-metrics.ts';
import { countS3Requests, estimateJobCost } from './estimate-cost.ts';
import type { LedgerJob, MonitoredReport, MonitoringSnapshot } from './monitoring-snapshot.ts';
import { summarizeOperations } from './summarize-operations.ts';

const NOW = new Date('2026-01-31T12:00:00.000Z');

function report(
  jobId: string,
  fields: Partial<MonitoredReport> & { total: number; error: number; processed: number; duplicates: number },
): MonitoredReport {
  const { total, error, processed, duplicates, ...rest } = fields;
  return {
    job_id: jobId,
    input_file: `${jobId}.csv`,
    validation_status: 'success',
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
 * A: `run`, in the last hour. B: `run`, rejected three hours ago. C: `validate` only.
 * D: `watch`, ETL done but post-processing pending. E: `watch`, system failure, no report.
 * F: `watch`, succeeded in the last hour.
 */
const SNAPSHOT: MonitoringSnapshot = {
  now: NOW,
  reports: [
    report('A', {
      total: 1000,
      error: 20,
      processed: 970,
      duplicates: 10,
      quality: { score: 97.5, grade: 'A' },
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

describe('computeMetrics', () => {
  const m = computeMetrics(SNAPSHOT);

  it('counts the rows of finished `run` and `watch` jobs, not `validate` checks or jobs still in flight', () => {
    // A + F (B rejected, E without report; C is a validate report, D is in flight)
    assert.equal(m.records_processed_total, 970 + 100);
    assert.equal(m.records_valid_total, 980 + 100);
    assert.equal(m.records_quarantined_total, 20 + 500);
    assert.equal(m.duplicates_removed_total, 10);
    assert.deepEqual(m.files_processed_total, { SUCCEEDED: 2, FAILED: 2 });
  });

  it('takes error rate and volume over the jobs finished in the last hour', () => {
    assert.equal(m.error_rate, 20 / 1100);
    assert.equal(m.records_processed_per_hour, 1070);
  });

  it('keeps per stage the latest job, the sum and the count, and drops stage names that are not identifiers', () => {
    assert.deepEqual(m.stage_duration_ms, {
      archive: { latest: 5, sum: 5, count: 1 },
      check: { latest: 20, sum: 420, count: 3 },
      ingest: { latest: 10, sum: 160, count: 3 },
      publish: { latest: 30, sum: 230, count: 2 },
    });
  });

  it('times a `watch` job end to end from the ledger and a `run` job from its report', () => {
    // F 60 s (ledger), A 2 s, E 5 s, B 1 s
    assert.deepEqual(m.job_duration_ms, { latest: 60_000, sum: 68_000, count: 4 });
  });

  it('counts files in flight, claim files waiting in the inbox and dead letters', () => {
    assert.equal(m.files_in_flight, 1);
    // D.csv is being read by job D; hidden, partial, empty and non-claim files are not work
    assert.equal(m.inbox_backlog, 1);
    assert.equal(m.dlq_depth, 2);
  });

  it('reports the latest scored job’s quality', () => {
    assert.equal(m.quality_score, 100);
  });

  it('adds up the cost estimates of the jobs with a report, the latest first', () => {
    const byId = new Map(m.jobs.map((j) => [j.job_id, j]));
    const requests = countS3Requests(SNAPSHOT.reports[4]?.outputs ?? assert.fail());
    const f = estimateJobCost({ inputBytes: 1000, durationMs: 60_000, s3Puts: requests.puts, s3Gets: requests.gets });
    assert.equal(byId.get('F')?.estimated_cost_usd, f.usd);
    assert.equal(byId.get('E')?.estimated_cost_usd, null);
    assert.equal(m.estimated_cost_usd.last_run, f.usd);
    const costs = ['A', 'B', 'F'].map((id) => byId.get(id)?.estimated_cost_usd ?? assert.fail(id));
    assert.equal(
      m.estimated_cost_usd.total,
      costs.reduce((a, b) => a + b, 0),
    );
  });

  it('lists jobs newest first with the ledger’s status, a job in flight counting no rows yet', () => {
    assert.deepEqual(
      m.jobs.map((j) => [j.job_id, j.status, j.records_processed]),
      [
        ['D', 'STARTED', 0],
        ['F', 'SUCCEEDED', 100],
        ['A', 'SUCCEEDED', 970],
        ['E', 'FAILED', 0],
        ['B', 'FAILED', 0],
      ],
    );
    assert.equal(m.jobs.find((j) => j.job_id === 'E')?.input_file, 'E.csv');
  });

  it('buckets the last 24 hours by finish time, the current hour last', () => {
    assert.equal(m.hourly.length, TREND_HOURS);
    assert.equal(m.hourly.at(-1)?.hour, '2026-01-31T12:00:00.000Z');
    assert.equal(m.hourly.at(-1)?.files, 0);
    assert.equal(m.hourly[0]?.hour, '2026-01-30T13:00:00.000Z');
    const at = (hour: string) => m.hourly.find((h) => h.hour === `2026-01-31T${hour}:00:00.000Z`);
    assert.deepEqual(at('11'), {
      hour: '2026-01-31T11:00:00.000Z',
      files: 2,
      records_input: 1100,
      records_processed: 1070,
      records_quarantined: 20,
      error_rate: 20 / 1100,
    });
    assert.equal(at('10')?.files, 1);
    assert.equal(at('09')?.error_rate, 1);
    assert.equal(
      m.hourly.reduce((n, h) => n + h.files, 0),
      4,
    );
  });

  it('gives zeros, not NaN, for an empty root', () => {
    const empty = computeMetrics({ now: NOW, reports: [], jobs: [], alerts: [], inbox: [], deadLetters: [] });
    assert.equal(empty.error_rate, 0);
    assert.equal(empty.quality_score, null);
    assert.deepEqual(empty.job_duration_ms, { latest: 0, sum: 0, count: 0 });
    assert.deepEqual(empty.estimated_cost_usd, { last_run: null, total: 0 });
  });
});

describe('summarizeOperations', () => {
  const o = summarizeOperations({
    ...SNAPSHOT,
    reports: [...SNAPSHOT.reports, report('x/../y', { total: 1, error: 0, processed: 1, duplicates: 0 })],
  });

  it('lists the job in flight and the backlog by file name', () => {
    assert.deepEqual(o.in_flight, [
      { job_id: 'D', input_file: 'D.csv', attempts: 1, started_at: '2026-01-31T11:55:00.000Z' },
    ]);
    assert.deepEqual(o.backlog, [{ file: 'new.csv', bytes: 10 }]);
    assert.equal(o.inbox_backlog, 1);
  });

  it('lists dead letters and alerts newest first', () => {
    assert.deepEqual(
      o.dead_letters.map((l) => l.id),
      ['G-etl', 'E-etl'],
    );
    assert.deepEqual(
      o.alerts.map((a) => a.title),
      ['new', 'old'],
    );
  });

  it('links each report to its HTML, tells `validate` checks from runs, and links no unsafe job id', () => {
    const c = o.reports.find((r) => r.job_id === 'C');
    assert.equal(c?.kind, 'validate');
    assert.equal(c?.report_url, 'reports/C.html');
    assert.equal(o.reports.find((r) => r.job_id === 'A')?.kind, 'run');
    assert.equal(o.reports.find((r) => r.job_id === 'x/../y')?.report_url, null);
    assert.deepEqual(
      o.reports.map((r) => r.finished_at),
      [...o.reports.map((r) => r.finished_at)].sort().reverse(),
    );
  });
});
