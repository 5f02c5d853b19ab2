import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NOW, SNAPSHOT } from '../../../test/support/monitoring-snapshot.ts';
import { computeMetrics, TREND_HOURS } from './compute-metrics.ts';
import { countS3Requests, estimateJobCost } from './estimate-cost.ts';

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

  it('ranks the rules that failed the most rows over finished run jobs, not validate checks or jobs in flight', () => {
    // A: invalid_npi 12 (quarantine), late_claim 8. B, earlier: invalid_npi 300 (warn then), error_rate_exceeded.
    // C is a validate report; invalid_drg failed no row. The action shown is the latest job's.
    assert.deepEqual(m.top_rules, [
      { rule_id: 'invalid_npi', action: 'quarantine', rows: 312, files: 2 },
      { rule_id: 'late_claim', action: 'warn', rows: 8, files: 1 },
      { rule_id: 'error_rate_exceeded', action: 'halt', rows: 1, files: 1 },
    ]);
  });

  it('names for each job its source, the rule that rejected it and its report link', () => {
    const byId = new Map(m.jobs.map((j) => [j.job_id, j]));
    assert.deepEqual(
      ['A', 'B', 'E'].map((id) => {
        const j = byId.get(id);
        return [j?.data_source, j?.failure_rule, j?.report_url];
      }),
      [
        ['claimflow', null, 'reports/A.html'],
        ['acme', 'error_rate_exceeded', 'reports/B.html'],
        [null, null, null],
      ],
    );
  });

  it('gives zeros, not NaN, for an empty root', () => {
    const empty = computeMetrics({ now: NOW, reports: [], jobs: [], alerts: [], inbox: [], deadLetters: [] });
    assert.equal(empty.error_rate, 0);
    assert.equal(empty.quality_score, null);
    assert.deepEqual(empty.job_duration_ms, { latest: 0, sum: 0, count: 0 });
    assert.deepEqual(empty.estimated_cost_usd, { last_run: null, total: 0 });
    assert.deepEqual(empty.top_rules, []);
  });
});
