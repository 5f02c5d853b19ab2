import assert from 'node:assert/strict';
import { appendFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JsonlEventLog } from '../../src/adapters/local-bus/jsonl-event-log.ts';
import { claimflow, tempDir } from '../support/cli.ts';

const HOUR = 3_600_000;

/** Rows of `claimflow query --format json`. */
async function query(root: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const result = await claimflow('query', sql, '--root', root, '--format', 'json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

describe('the events and alerts views answer the log questions locally', () => {
  let root: string;
  const now = Date.now();
  const at = (hoursAgo: number, ms = 0) => new Date(now - hoursAgo * HOUR + ms);

  before(async () => {
    root = await tempDir('event-queries');
    const log = new JsonlEventLog(root);
    const record = (event: object, when: Date) => log.append({ ...event, timestamp: when.toISOString() }, when);
    const status = (job: string, s: string, file: string, when: Date) =>
      record({ event_type: 'job_status_update', job_id: job, status: s, input_file: file }, when);
    const error = (job: string, type: string, file: string, when: Date) =>
      record(
        {
          event_type: 'error',
          error_message: `${type} failure`,
          error_type: type,
          context: { function_name: 'etl', file, job_id: job },
        },
        when,
      );
    // Three days ago: outside "the last day".
    status('old', 'STARTED', 'old.csv', at(72));
    error('old', 'system', 'old.csv', at(72, 500));
    status('old', 'FAILED', 'old.csv', at(72, 600));
    status('ok', 'STARTED', 'ok.csv', at(2));
    status('ok', 'SUCCEEDED', 'ok.csv', at(2, 1500));
    status('bad', 'STARTED', 'bad.csv', at(1));
    error('bad', 'data_quality', 'bad.csv', at(1, 300));
    status('bad', 'FAILED', 'bad.csv', at(1, 400));
    record(
      {
        event_type: 'alert',
        severity: 'high',
        title: 'File rejected: missing_required_column',
        summary: 'bad.csv was rejected whole',
        job_id: 'bad',
        file: 'bad.csv',
        rule_id: 'missing_required_column',
        deliveries: [
          { channel: 'webhook', ok: true, attempts: 2 },
          { channel: 'smtp', ok: false, attempts: 3 },
        ],
      },
      at(1, 500),
    );
    // A torn or foreign line must not break every query.
    await appendFile(join(root, 'events', `${at(1).toISOString().slice(0, 10)}.jsonl`), 'not json\n');
  });

  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('lists the errors of the last day', async () => {
    const rows = await query(
      root,
      `SELECT job_id, file, error_type, function_name FROM events
       WHERE event_type = 'error' AND timestamp > now() - INTERVAL 1 DAY ORDER BY timestamp DESC`,
    );
    assert.deepEqual(rows, [{ job_id: 'bad', file: 'bad.csv', error_type: 'data_quality', function_name: 'etl' }]);
  });

  it('lists failed jobs', async () => {
    const rows = await query(
      root,
      `SELECT job_id FROM events WHERE event_type = 'job_status_update' AND status = 'FAILED' ORDER BY timestamp`,
    );
    assert.deepEqual(
      rows.map((r) => r.job_id),
      ['old', 'bad'],
    );
  });

  it('measures each job from STARTED to its outcome', async () => {
    const rows = await query(
      root,
      `SELECT job_id, max(status) FILTER (WHERE status <> 'STARTED') AS outcome,
              date_diff('millisecond', min(timestamp), max(timestamp)) AS duration_ms
       FROM events WHERE event_type = 'job_status_update' GROUP BY job_id ORDER BY job_id`,
    );
    assert.deepEqual(rows, [
      { job_id: 'bad', outcome: 'FAILED', duration_ms: 400 },
      { job_id: 'ok', outcome: 'SUCCEEDED', duration_ms: 1500 },
      { job_id: 'old', outcome: 'FAILED', duration_ms: 600 },
    ]);
  });

  it('shows alerts with their typed deliveries', async () => {
    const rows = await query(root, 'SELECT severity, rule_id, summary, deliveries FROM alerts');
    assert.deepEqual(rows, [
      {
        severity: 'high',
        rule_id: 'missing_required_column',
        summary: 'bad.csv was rejected whole',
        deliveries: [
          { channel: 'webhook', ok: true, attempts: 2 },
          { channel: 'smtp', ok: false, attempts: 3 },
        ],
      },
    ]);
  });
});
