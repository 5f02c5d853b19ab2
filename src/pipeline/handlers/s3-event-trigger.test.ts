import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SqliteLedger } from '../../adapters/sqlite/sqlite-ledger.ts';
import type { ObjectStore } from '../object-store.ts';
import type { HandlerDeps } from './handler-deps.ts';
import { decodeS3Key, handleS3EventTrigger, rejectionOf } from './s3-event-trigger.ts';

const created = (key: string, size = 100) => ({
  eventName: 'ObjectCreated:Put',
  s3: { bucket: { name: 'inbox' }, object: { key, size } },
});

/** The trigger with a real (in-memory) ledger; the store only hashes and deletes. */
function harness(contents: Record<string, string>) {
  const published: Array<{ topic: string; message: Record<string, unknown> }> = [];
  const deleted: string[] = [];
  let sequence = 0;
  const store = {
    hash: async (key: string) => contents[key] ?? 'missing',
    delete: async (key: string) => void deleted.push(key),
  } as unknown as ObjectStore;
  const deps = {
    store,
    ledger: new SqliteLedger(':memory:'),
    bus: {
      publish: async (topic: string, message: unknown) =>
        void published.push({ topic, message: message as Record<string, unknown> }),
    },
    clock: { now: () => new Date('2026-01-31T10:20:30Z') },
    logger: { info: () => {}, warn: () => {} },
    nextJobId: () => `claims-etl-20260131-102030-${String(++sequence).padStart(4, '0')}`,
  } as unknown as HandlerDeps;
  return { deps, published, deleted };
}

describe('s3-event-trigger', () => {
  it('decodes URL-encoded keys as S3 sends them, and leaves raw keys alone', () => {
    assert.equal(decodeS3Key('raw/claims/acme+claims%2B2025.csv'), 'raw/claims/acme claims+2025.csv');
    assert.equal(decodeS3Key('raw/claims/100%.csv'), 'raw/claims/100%.csv');
  });

  it('ignores hidden, temporary, zero-byte, oversized, non-claim and out-of-inbox objects', () => {
    assert.equal(rejectionOf('raw/claims/claims.csv.gz', 10), null);
    assert.equal(rejectionOf('raw/claims/.claims.csv', 10), 'hidden file');
    assert.equal(rejectionOf('raw/claims/claims.csv.part', 10), 'temporary file');
    assert.equal(rejectionOf('raw/claims/claims.csv~', 10), 'temporary file');
    assert.equal(rejectionOf('raw/claims/claims.csv', 0), 'zero-byte file');
    assert.match(rejectionOf('raw/claims/claims.csv', 60 * 1024 ** 3) ?? '', /larger than/);
    assert.equal(rejectionOf('raw/claims/notes.docx', 10), 'not a claim file extension');
    assert.equal(rejectionOf('archive/claims.csv', 10), 'outside the inbox prefix');
  });

  it('ignores keys that could name a file outside the root, even under the inbox prefix', () => {
    assert.equal(rejectionOf('raw/claims/../../ledger.sqlite.csv', 10), "unsafe key: a '..' path segment");
    assert.equal(rejectionOf(decodeS3Key('raw/claims/%2E%2E/x.csv'), 10), "unsafe key: a '..' path segment");
    assert.equal(rejectionOf('/raw/claims/x.csv', 10), 'unsafe key: an absolute path');
    assert.equal(rejectionOf(decodeS3Key('raw/claims/x.csv%00.txt'), 10), 'unsafe key: a NUL byte');
  });

  it('starts one job per new file, answers with the trigger contract, and skips content seen before', async () => {
    const h = harness({ 'raw/claims/a.csv': 'h1', 'raw/claims/b.csv': 'h2', 'raw/claims/a-resent.csv': 'h1' });
    const response = await handleS3EventTrigger(
      { Records: [created('raw/claims/a.csv'), created('raw/claims/.tmp.csv'), created('raw/claims/b.csv')] },
      h.deps,
    );
    assert.deepEqual(response, {
      statusCode: 200,
      body: {
        message: 'Successfully processed 2 files',
        jobs_started: ['claims-etl-20260131-102030-0001', 'claims-etl-20260131-102030-0002'],
        timestamp: '2026-01-31T10:20:30.000Z',
      },
    });
    assert.deepEqual(
      h.published.map((p) => [p.topic, p.message.event_type ?? p.message.key]),
      [
        ['claims.events', 'job_status_update'],
        ['claims.validate', 'raw/claims/a.csv'],
        ['claims.events', 'job_status_update'],
        ['claims.validate', 'raw/claims/b.csv'],
      ],
    );
    const again = await handleS3EventTrigger({ Records: [created('raw/claims/a-resent.csv')] }, h.deps);
    assert.deepEqual(again.body.jobs_started, []);
    assert.deepEqual(h.published.at(-1)?.message, {
      event_type: 'delivery_skipped',
      input_file: 'a-resent.csv',
      duplicate_of: 'claims-etl-20260131-102030-0001',
      timestamp: '2026-01-31T10:20:30.000Z',
    });
    assert.deepEqual(
      h.deleted,
      ['raw/claims/a-resent.csv'],
      'the resent copy leaves the inbox; the original in flight stays',
    );
  });
});

describe('s3-event-trigger on S3 events', () => {
  const version = (key: string, versionId: string, eTag: string, size = 5 * 1024 ** 3) => ({
    eventName: 'ObjectCreated:CompleteMultipartUpload',
    s3: { bucket: { name: 'claimflow-dev-input' }, object: { key, size, versionId, eTag, sequencer: '0A1B2C' } },
  });

  it('keys a delivery on the object version S3 names, never reading the object', async () => {
    const h = harness({});
    h.deps.store.hash = async () => assert.fail('the trigger read the object');
    const first = await handleS3EventTrigger({ Records: [version('raw/claims/big.csv', 'v1', 'e1-2')] }, h.deps);
    assert.equal(first.body.jobs_started.length, 1);
    const task = h.published.find((p) => p.topic === 'claims.validate')?.message;
    assert.match(String(task?.sha256), /^[0-9a-f]{64}$/);

    // S3 delivers at least once: the same event again is the same delivery.
    const redelivered = await handleS3EventTrigger({ Records: [version('raw/claims/big.csv', 'v1', 'e1-2')] }, h.deps);
    assert.deepEqual(redelivered.body.jobs_started, []);
    assert.equal(h.published.at(-1)?.message.event_type, 'delivery_skipped');
    assert.deepEqual(h.deleted, [], 'the object a job is still reading stays');

    // A new upload under the same key is a new version: a new job.
    const replaced = await handleS3EventTrigger({ Records: [version('raw/claims/big.csv', 'v2', 'e2-2')] }, h.deps);
    assert.equal(replaced.body.jobs_started.length, 1);
  });
});
