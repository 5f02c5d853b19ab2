import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalObjectStore } from '../local-store/local-object-store.ts';
import { DecryptError } from './envelope-file.ts';
import { SealedObjectStore } from './sealed-object-store.ts';

const CANARY = 'MEMBER-CANARY-5521';
const key = randomBytes(32);

/** Every file under `dir` but scratch space, by path relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => !f.startsWith('temp') && statSync(join(dir, f)).isFile())
    .sort();
}

function setUp() {
  const root = mkdtempSync(join(tmpdir(), 'sealed-'));
  const input = join(mkdtempSync(join(tmpdir(), 'sealed-input-')), 'claims.csv');
  const body = `claim_id,person_id\nC1,${CANARY}\n`.repeat(5_000);
  writeFileSync(input, body);
  const local = new LocalObjectStore(root);
  return { root, input, body, local, store: new SealedObjectStore(local, key) };
}

test('quarantine and archive objects are stored as envelopes; callers keep the plain keys', async () => {
  const { root, input, body, local, store } = setUp();
  const archive = 'archive/2026-11-26/claims-etl-20261126-010000-0001/claims.csv';
  assert.equal(await store.copyIn(input, archive), createHash('sha256').update(body).digest('hex'));
  const scratch = await store.scratchDir('claims-etl-20261126-010000-0001');
  writeFileSync(join(scratch, 'quarantine.parquet'), `rows of ${CANARY}`);
  await store.publish(join(scratch, 'quarantine.parquet'), 'quarantine/rows/claims.csv-abc.parquet');
  await store.writeText('quarantine/files/claims-etl-20261126-010000-0001/notes.txt', `note on ${CANARY}`);
  // Outside the sealed prefixes nothing changes.
  await store.writeText('validation-reports/r.json', '{"ok":true}');

  assert.deepEqual(filesUnder(root), [
    'archive/2026-11-26/claims-etl-20261126-010000-0001/claims.csv.enc',
    'quarantine/files/claims-etl-20261126-010000-0001/notes.txt.enc',
    'quarantine/rows/claims.csv-abc.parquet.enc',
    'validation-reports/r.json',
  ]);
  for (const file of filesUnder(root)) assert.equal(readFileSync(join(root, file)).includes(CANARY), false, file);
  assert.equal(existsSync(join(scratch, 'quarantine.parquet')), false, 'the engine output leaves scratch');

  assert.deepEqual(await store.list('quarantine'), [
    'quarantine/files/claims-etl-20261126-010000-0001/notes.txt',
    'quarantine/rows/claims.csv-abc.parquet',
  ]);
  assert.equal(await store.readText('quarantine/files/claims-etl-20261126-010000-0001/notes.txt'), `note on ${CANARY}`);
  assert.equal(await store.readText('validation-reports/r.json'), '{"ok":true}');
  const fetched = await store.fetchLocal(archive, 'review');
  assert.ok(fetched.startsWith(join(root, 'temp', 'review')), 'decrypted into scratch only');
  assert.equal(readFileSync(fetched, 'utf8'), body);
  await store.dropScratch('review');
  assert.equal(store.locate(archive), `${local.locate(archive)}.enc`);

  // Another key opens nothing.
  await assert.rejects(
    new SealedObjectStore(local, randomBytes(32)).readText(
      'quarantine/files/claims-etl-20261126-010000-0001/notes.txt',
    ),
    (e: unknown) => e instanceof DecryptError && e.reason === 'wrong_key_or_tampered',
  );
});

test('deleting a sealed key removes its envelope and a plaintext copy left from before encryption', async () => {
  const { root, local, store } = setUp();
  await local.writeText('quarantine/rows/old.parquet', `plaintext ${CANARY}`);
  await store.writeText('quarantine/rows/old.parquet', 'sealed now');
  assert.deepEqual(filesUnder(root), ['quarantine/rows/old.parquet', 'quarantine/rows/old.parquet.enc']);
  await store.delete('quarantine/rows/old.parquet');
  assert.deepEqual(filesUnder(root), []);
});

for (const umask of [0o000, 0o277]) {
  test(`folders are 0700 and files 0600 under umask ${umask.toString(8).padStart(3, '0')}`, async () => {
    const previous = process.umask(umask);
    try {
      const { root, input, store } = setUp();
      await store.copyIn(input, 'archive/2026-11-26/job/claims.csv');
      await store.writeText('validation-reports/deep/r.json', '{}');
      const scratch = await store.scratchDir('job');
      writeFileSync(join(scratch, 'claims.parquet'), 'engine output', { mode: 0o666 });
      await store.publish(join(scratch, 'claims.parquet'), 'processed/claims/year=2025/month=10/k-0.parquet');
      for (const entry of readdirSync(root, { recursive: true, encoding: 'utf8' })) {
        const stats = statSync(join(root, entry));
        assert.equal(stats.mode & 0o777, stats.isDirectory() ? 0o700 : 0o600, entry);
      }
    } finally {
      process.umask(previous);
    }
  });
}

test('a copy into a sealed prefix is encrypted, a copy out of one decrypted, a copy between others left as is', async () => {
  const { root, input, body, store } = setUp();
  await store.copyIn(input, 'raw/claims/claims.csv');
  await store.copy('raw/claims/claims.csv', 'quarantine/files/job-1/claims.csv');
  await store.copy('quarantine/files/job-1/claims.csv', 'archive/2026-11-26/job-1/claims.csv');
  await store.copy('raw/claims/claims.csv', 'raw/claims/copy.csv');

  assert.deepEqual(filesUnder(root), [
    'archive/2026-11-26/job-1/claims.csv.enc',
    'quarantine/files/job-1/claims.csv.enc',
    'raw/claims/claims.csv',
    'raw/claims/copy.csv',
  ]);
  for (const file of filesUnder(root).filter((f) => f.endsWith('.enc'))) {
    assert.equal(readFileSync(join(root, file)).includes(CANARY), false, file);
  }
  assert.equal(await store.readText('archive/2026-11-26/job-1/claims.csv'), body);
  assert.equal(readFileSync(join(root, 'raw/claims/copy.csv'), 'utf8'), body);
  assert.deepEqual(
    readdirSync(join(root, 'temp')).filter((d) => d.startsWith('copy-')),
    [],
    'no plaintext left in scratch',
  );
});
