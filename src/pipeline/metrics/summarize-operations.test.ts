import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { report, SNAPSHOT } from '../../../test/support/monitoring-snapshot.ts';
import { summarizeOperations } from './summarize-operations.ts';

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
