import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DecryptError,
  decryptFile,
  ENVELOPE_OVERHEAD_BYTES,
  encryptFile,
  openBytes,
  sealBytes,
} from './envelope-file.ts';
import { KeyError, parseKey, readKeyFile } from './master-key.ts';

const dir = mkdtempSync(join(tmpdir(), 'envelope-'));
const key = randomBytes(32);
const CANARY = 'MEMBER-CANARY-7731,E119,1961-04-02';

test('round trip of a multi-chunk file, with no plaintext in the envelope', async () => {
  const plain = join(dir, 'rows.csv');
  const body = `${CANARY}\n`.repeat(40_000); // ~1.4 MB: several stream chunks
  writeFileSync(plain, body);
  const seen = createHash('sha256');
  await encryptFile(plain, join(dir, 'rows.enc'), key, (chunk) => seen.update(chunk));
  // The plaintext's hash comes out of the same pass.
  assert.equal(seen.digest('hex'), createHash('sha256').update(body).digest('hex'));
  const sealed = readFileSync(join(dir, 'rows.enc'));
  assert.equal(sealed.includes('MEMBER-CANARY'), false);
  assert.equal(sealed.length, body.length + 8 + 12 + 16 + 32 + 12 + 16);
  assert.equal(ENVELOPE_OVERHEAD_BYTES, 8 + 12 + 16 + 32 + 12 + 16);
  assert.equal(statSync(join(dir, 'rows.enc')).mode & 0o777, 0o600);
  await decryptFile(join(dir, 'rows.enc'), join(dir, 'rows.out'), key);
  assert.equal(readFileSync(join(dir, 'rows.out'), 'utf8'), body);
});

test('an empty file round-trips', async () => {
  writeFileSync(join(dir, 'empty'), '');
  await encryptFile(join(dir, 'empty'), join(dir, 'empty.enc'), key);
  await decryptFile(join(dir, 'empty.enc'), join(dir, 'empty.out'), key);
  assert.equal(readFileSync(join(dir, 'empty.out'), 'utf8'), '');
});

test('a wrong key, an altered byte, a cut file and a plain file fail and leave no output', async () => {
  writeFileSync(join(dir, 'p'), CANARY);
  await encryptFile(join(dir, 'p'), join(dir, 'p.enc'), key);
  const reject = async (file: string, reason: DecryptError['reason'], withKey = key) => {
    const out = join(dir, `${reason}.out`);
    await assert.rejects(
      decryptFile(file, out, withKey),
      (e: unknown) => e instanceof DecryptError && e.reason === reason,
    );
    assert.equal(existsSync(out), false);
    assert.equal(existsSync(`${out}.partial`), false);
  };
  await reject(join(dir, 'p.enc'), 'wrong_key_or_tampered', randomBytes(32));
  const altered = readFileSync(join(dir, 'p.enc'));
  altered[altered.length - 20] = (altered[altered.length - 20] ?? 0) ^ 1;
  writeFileSync(join(dir, 'altered.enc'), altered);
  await reject(join(dir, 'altered.enc'), 'wrong_key_or_tampered');
  writeFileSync(join(dir, 'cut.enc'), readFileSync(join(dir, 'p.enc')).subarray(0, 70));
  await reject(join(dir, 'cut.enc'), 'truncated');
  await reject(join(dir, 'p'), 'not_encrypted');
});

test('in-memory envelopes: same layout as files, a fresh data key each time, and the same failures', async () => {
  const plain = Buffer.from(`{"person_id":"${CANARY}"}`);
  const sealed = sealBytes(plain, key);
  assert.equal(sealed.includes('MEMBER-CANARY'), false);
  assert.notDeepEqual(sealBytes(plain, key), sealed, 'a new data key and IV per envelope');
  assert.deepEqual(openBytes(sealed, key, 'letter'), plain);
  // A sealed object decrypts as a file too.
  writeFileSync(join(dir, 'bytes.enc'), sealed);
  await decryptFile(join(dir, 'bytes.enc'), join(dir, 'bytes.out'), key);
  assert.deepEqual(readFileSync(join(dir, 'bytes.out')), plain);
  const fails = (bytes: Buffer, reason: DecryptError['reason'], withKey = key) =>
    assert.throws(
      () => openBytes(bytes, withKey, 'letter'),
      (e: unknown) => e instanceof DecryptError && e.reason === reason,
    );
  fails(sealed, 'wrong_key_or_tampered', randomBytes(32));
  const altered = Buffer.from(sealed);
  altered[ENVELOPE_OVERHEAD_BYTES - 16 + 2] = (altered[ENVELOPE_OVERHEAD_BYTES - 16 + 2] ?? 0) ^ 1;
  fails(altered, 'wrong_key_or_tampered');
  fails(sealed.subarray(0, 40), 'truncated');
  fails(plain, 'not_encrypted');
});

test('keys: hex, base64 and raw 32-byte files; anything else is refused without echoing it', () => {
  assert.deepEqual(parseKey(key.toString('hex'), 'env'), key);
  assert.deepEqual(parseKey(`${key.toString('base64')}\n`, 'env'), key);
  writeFileSync(join(dir, 'raw.key'), key);
  assert.deepEqual(readKeyFile(join(dir, 'raw.key')), key);
  assert.throws(
    () => parseKey('too-short-secret', 'CLAIMFLOW_MASTER_KEY'),
    (e: unknown) => e instanceof KeyError && !e.message.includes('too-short-secret'),
  );
});
