import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { decryptKeyBlob } from '../adapters/aws/kms-keys.ts';
import { KeyError } from '../adapters/crypto/master-key.ts';
import { UsageError } from '../domain/errors.ts';
import { loadKeys } from './load-keys.ts';

const dir = mkdtempSync(join(tmpdir(), 'kms-keys-'));
const blob = randomBytes(184); // the size of an AES_256 data key's CiphertextBlob
const key = randomBytes(32);
const NO_SECURITY = { master_key_file: undefined, pseudonym_key_file: undefined };

test('a *.kms key file is sent to KMS Decrypt as the ciphertext blob and its plaintext becomes the key', async () => {
  const kms = mockClient(KMSClient);
  kms.on(DecryptCommand).resolves({ Plaintext: key });
  writeFileSync(join(dir, 'master.kms'), blob);
  const keys = await loadKeys(
    { masterKeyFile: join(dir, 'master.kms') },
    NO_SECURITY,
    undefined,
    () => new KMSClient({}),
  );
  assert.deepEqual(keys.masterKey, key);
  assert.equal(keys.pseudonymKey, null);
  const calls = kms.commandCalls(DecryptCommand);
  assert.equal(calls.length, 1);
  assert.deepEqual(Buffer.from(calls[0]?.args[0].input.CiphertextBlob ?? []), blob);
  kms.restore();
});

test('KMS refusals and short keys stop the command naming the file, never the blob', async () => {
  const kms = mockClient(KMSClient);
  kms.on(DecryptCommand).rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' }));
  writeFileSync(join(dir, 'denied.kms'), blob);
  await assert.rejects(
    loadKeys({ masterKeyFile: join(dir, 'denied.kms') }, NO_SECURITY, undefined, () => new KMSClient({})),
    (e: unknown) =>
      e instanceof UsageError && /denied\.kms: KMS could not decrypt it \(AccessDeniedException\)/.test(e.message),
  );
  kms.reset();
  kms.on(DecryptCommand).resolves({ Plaintext: randomBytes(16) });
  await assert.rejects(decryptKeyBlob(new KMSClient({}), blob, 'short.kms'), (e: unknown) => e instanceof KeyError);
  kms.restore();
});

test('key files without the .kms suffix never reach KMS', async () => {
  const kms = mockClient(KMSClient);
  writeFileSync(join(dir, 'plain.key'), key.toString('hex'));
  const keys = await loadKeys(
    { masterKeyFile: join(dir, 'plain.key') },
    NO_SECURITY,
    undefined,
    () => new KMSClient({}),
  );
  assert.deepEqual(keys.masterKey, key);
  assert.equal(kms.commandCalls(DecryptCommand).length, 0);
  kms.restore();
});
