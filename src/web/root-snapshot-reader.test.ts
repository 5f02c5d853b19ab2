import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { JsonlEventLog } from '../adapters/local-bus/jsonl-event-log.ts';
import { SqliteLedger } from '../adapters/sqlite/sqlite-ledger.ts';
import { RootSnapshotReader } from './root-snapshot-reader.ts';

const AT = new Date('2026-01-31T12:00:00.000Z');

function reportJson(jobId: string, archive: string | null): string {
  return JSON.stringify({
    validation_status: 'success',
    report_location: `/r/validation-reports/${jobId}.json`,
    html_report_location: `/r/validation-reports/${jobId}.html`,
    summary: { total_records: 3, valid_records: 3, error_records: 0 },
    job_id: jobId,
    input_file: 'a.csv',
    started_at: '2026-01-31T11:00:00.000Z',
    finished_at: '2026-01-31T11:00:01.000Z',
    processed_records: 3,
    duplicates_removed: { exact: 0, conflicting_key: 0, total: 0 },
    quality: { score: 100, grade: 'A', dimensions: {} },
    rules: [
      {
        rule_id: 'x',
        action: 'quarantine',
        row_count: 1,
        samples: [{ source_row_number: 1, claim_id: 'CLM-SECRET-1', claim_line_number: '1' }],
      },
    ],
    outputs: { processed: [], quarantine_rows: null, quarantine_file: null, archive },
    timings_ms: { ingest: 5 },
  });
}

const alert = (title: string) =>
  JSON.stringify({
    event_type: 'alert',
    severity: 'high',
    title,
    summary: 'job failed',
    job_id: 'j1',
    deliveries: [{ channel: 'log', ok: true, attempts: 1 }],
    timestamp: AT.toISOString(),
  });

describe('RootSnapshotReader', () => {
  let root: string;
  let ledger: SqliteLedger;
  let reader: RootSnapshotReader;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'claimflow-snapshot-'));
    const reports = join(root, 'validation-reports');
    await mkdir(reports, { recursive: true });
    await mkdir(join(root, 'archive', 'd', 'j1'), { recursive: true });
    await writeFile(join(root, 'archive', 'd', 'j1', 'a.csv'), 'x'.repeat(1234));
    await writeFile(join(reports, 'j1.json'), reportJson('j1', 'archive/d/j1/a.csv'));
    await writeFile(join(reports, 'j1.html'), '<html></html>');
    await writeFile(join(reports, 'j2.json'), reportJson('j2', 'archive/../../etc/passwd'));
    await writeFile(join(reports, 'broken.json'), '{"job_id": ');
    await mkdir(join(root, 'raw', 'claims'), { recursive: true });
    await writeFile(join(root, 'raw', 'claims', 'waiting.csv'), 'claim_id\n1\n');
    await symlink('/etc/hostname', join(root, 'raw', 'claims', 'link.csv'));
    await mkdir(join(root, 'dlq'));
    await writeFile(
      join(root, 'dlq', 'j3-etl.json'),
      JSON.stringify({
        id: 'j3-etl',
        topic: 'claims.etl',
        handler: 'etl',
        message: { member: 'SECRET' },
        errors: [
          { attempt: 1, error_type: 'transient', message: 'EBUSY', at: AT.toISOString() },
          { attempt: 2, error_type: 'system', message: 'Could not convert SECRET', at: AT.toISOString() },
        ],
        created_at: AT.toISOString(),
      }),
    );
    // The ledger stays open for writing, as under a running `watch`.
    ledger = new SqliteLedger(join(root, 'ledger.sqlite'));
    await ledger.claimDelivery('h1', 'raw/claims/running.csv', 'j4', AT);
    const events = new JsonlEventLog(root);
    events.append({ event_type: 'job_status_update', job_id: 'j4', status: 'STARTED', timestamp: AT }, AT);
    await appendFile(join(root, 'events', '2026-01-31.jsonl'), `${alert('first')}\n{"event_type":"alert"}\nnot json\n`);
    reader = new RootSnapshotReader(root, () => AT);
  });

  after(async () => {
    reader?.close();
    ledger?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('reads reports without their rule samples, measures the archived input, and skips unreadable files', async () => {
    const snapshot = await reader.read();
    assert.deepEqual(snapshot.reports.map((r) => [r.job_id, r.input_bytes, r.has_html]).sort(), [
      ['j1', 1234, true],
      ['j2', null, false],
    ]);
    assert.ok(!JSON.stringify(snapshot).includes('SECRET'));
  });

  it('reads the ledger read-only while another connection writes it', async () => {
    assert.deepEqual(
      (await reader.read()).jobs.map((j) => [j.job_id, j.status]),
      [['j4', 'STARTED']],
    );
    await ledger.claimDelivery('h5', 'raw/claims/next.csv', 'j5', AT);
    await ledger.finishJob('j4', 'SUCCEEDED', AT, {});
    assert.deepEqual((await reader.read()).jobs.map((j) => [j.job_id, j.status]).sort(), [
      ['j4', 'SUCCEEDED'],
      ['j5', 'STARTED'],
    ]);
  });

  it('lists inbox files, not symlinks, and dead letters with their attempts but no messages', async () => {
    const snapshot = await reader.read();
    assert.deepEqual(snapshot.inbox, [{ key: 'raw/claims/waiting.csv', size: 11 }]);
    assert.deepEqual(snapshot.deadLetters, [
      { id: 'j3-etl', handler: 'etl', created_at: AT.toISOString(), attempts: 2, last_error_type: 'system' },
    ]);
  });

  it('picks alerts out of the event log once each, reading on from where it stopped', async () => {
    const [a, b] = await Promise.all([reader.read(), reader.read()]);
    assert.deepEqual(
      a.alerts.map((x) => x.title),
      ['first'],
    );
    assert.equal(a, b);
    await appendFile(join(root, 'events', '2026-01-31.jsonl'), `${alert('second')}\n`);
    assert.deepEqual(
      (await reader.read()).alerts.map((x) => x.title),
      ['first', 'second'],
    );
  });

  it('sees a rewritten report and forgets a deleted one', async () => {
    const reports = join(root, 'validation-reports');
    await writeFile(join(reports, 'j1.json'), reportJson('j1', null));
    await rm(join(reports, 'j2.json'));
    const snapshot = await reader.read();
    assert.deepEqual(
      snapshot.reports.map((r) => [r.job_id, r.outputs.archive]),
      [['j1', null]],
    );
  });
});
