import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { deadLetterSummarySchema } from '../../pipeline/metrics/monitoring-snapshot.ts';
import type { DeadLetter } from '../../pipeline/ports.ts';
import { DecryptError } from '../crypto/envelope-file.ts';
import { LocalObjectStore } from './local-object-store.ts';
import { SealedLetterError, StoreDeadLetterQueue } from './store-dead-letters.ts';

const CANARY = 'MEMBER-CANARY-9043';
const letter: DeadLetter = {
  id: 'claims-etl-20261126-010000-0001-etl',
  topic: 'claims.etl',
  handler: 'etl',
  message: { job_id: 'claims-etl-20261126-010000-0001', key: `raw/claims/${CANARY}.csv`, months: [] },
  errors: [
    { attempt: 1, error_type: 'transient', message: `could not read ${CANARY}`, at: '2026-11-26T01:00:00.000Z' },
    { attempt: 2, error_type: 'system', message: 'disk full', at: '2026-11-26T01:00:01.000Z' },
  ],
  created_at: '2026-11-26T01:00:02.000Z',
};

function queue(masterKey: Buffer | null) {
  const root = mkdtempSync(join(tmpdir(), 'dlq-'));
  const store = new LocalObjectStore(root);
  return { root, store, dlq: new StoreDeadLetterQueue(store, masterKey) };
}

test('with a master key the message and error texts are sealed; what the dashboard reads stays plain', async () => {
  const key = randomBytes(32);
  const { root, store, dlq } = queue(key);
  await dlq.put(letter);
  const [file] = readdirSync(join(root, 'dlq'));
  assert.equal(file, `${letter.id}.json`);
  const onDisk = readFileSync(join(root, 'dlq', file ?? ''), 'utf8');
  assert.equal(onDisk.includes(CANARY), false);
  assert.equal(onDisk.includes('disk full'), false);
  // The dashboard summarises letters without the key.
  assert.deepEqual(deadLetterSummarySchema.parse(JSON.parse(onDisk)), {
    id: letter.id,
    handler: 'etl',
    created_at: letter.created_at,
    attempts: 2,
    last_error_type: 'system',
  });
  assert.deepEqual(await dlq.list(), [letter]);

  await assert.rejects(new StoreDeadLetterQueue(store).list(), SealedLetterError);
  await assert.rejects(
    new StoreDeadLetterQueue(store, randomBytes(32)).list(),
    (e: unknown) => e instanceof DecryptError && e.reason === 'wrong_key_or_tampered',
  );
  await dlq.remove(letter.id);
  assert.deepEqual(await dlq.list(), []);
});

test('without a key letters are plain JSON, and they stay readable once a key is set', async () => {
  const { root, store, dlq } = queue(null);
  await dlq.put(letter);
  assert.ok(readFileSync(join(root, 'dlq', `${letter.id}.json`), 'utf8').includes(CANARY));
  assert.deepEqual(await new StoreDeadLetterQueue(store, randomBytes(32)).list(), [letter]);
});
