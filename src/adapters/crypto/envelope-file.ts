import { createCipheriv, createDecipheriv, type DecipherGCM, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, open, rename, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ClaimflowError } from '../../domain/errors.ts';

/**
 * Envelope encryption with AES-256-GCM: a fresh data key per file (or object) encrypts the
 * bytes; the master key only wraps the data key. Layout:
 *   MAGIC(8) | wrap IV(12) | wrap tag(16) | wrapped data key(32) | data IV(12) | ciphertext | data tag(16)
 */
const MAGIC = Buffer.from('CFENC\x00\x01\x00', 'latin1');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const HEADER_BYTES = MAGIC.length + IV_BYTES + TAG_BYTES + KEY_BYTES + IV_BYTES;
/** Bytes an envelope adds to its plaintext. */
export const ENVELOPE_OVERHEAD_BYTES = HEADER_BYTES + TAG_BYTES;

export class DecryptError extends ClaimflowError {
  readonly code = 'decrypt';
  constructor(
    readonly file: string,
    readonly reason: 'not_encrypted' | 'wrong_key_or_tampered' | 'truncated',
  ) {
    super(
      `${file}: ${
        reason === 'not_encrypted'
          ? 'not a claimflow-encrypted file'
          : reason === 'truncated'
            ? 'the file is cut short'
            : 'the key does not open this file, or the file was altered'
      }`,
    );
  }
}

/** True when the first bytes are the envelope's magic. */
export function isEnvelope(head: Buffer): boolean {
  return head.subarray(0, MAGIC.length).equals(MAGIC);
}

/** A new data key wrapped by the master key: the header to write first, and the cipher of the body. */
function startEnvelope(masterKey: Buffer) {
  const dataKey = randomBytes(KEY_BYTES);
  const wrapIv = randomBytes(IV_BYTES);
  const wrap = createCipheriv('aes-256-gcm', masterKey, wrapIv);
  const wrapped = Buffer.concat([wrap.update(dataKey), wrap.final()]);
  const dataIv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, dataIv);
  return { header: Buffer.concat([MAGIC, wrapIv, wrap.getAuthTag(), wrapped, dataIv]), cipher };
}

/** Checks the header of an envelope of `size` bytes, unwraps its data key, and returns the body's decipher. */
function openEnvelope(header: Buffer, tag: Buffer, size: number, masterKey: Buffer, source: string): DecipherGCM {
  if (!isEnvelope(header)) throw new DecryptError(source, 'not_encrypted');
  if (size < ENVELOPE_OVERHEAD_BYTES) throw new DecryptError(source, 'truncated');
  const wrapIvAt = MAGIC.length;
  const wrapTagAt = wrapIvAt + IV_BYTES;
  const wrappedAt = wrapTagAt + TAG_BYTES;
  const dataIvAt = wrappedAt + KEY_BYTES;
  let dataKey: Buffer;
  try {
    const unwrap = createDecipheriv('aes-256-gcm', masterKey, header.subarray(wrapIvAt, wrapTagAt));
    unwrap.setAuthTag(header.subarray(wrapTagAt, wrappedAt));
    dataKey = Buffer.concat([unwrap.update(header.subarray(wrappedAt, dataIvAt)), unwrap.final()]);
  } catch (error) {
    throw Object.assign(new DecryptError(source, 'wrong_key_or_tampered'), { cause: error });
  }
  return createDecipheriv('aes-256-gcm', dataKey, header.subarray(dataIvAt, HEADER_BYTES)).setAuthTag(tag);
}

/**
 * Encrypts `source` into `target` (written beside it, then renamed; mode 0600). `onPlaintext`
 * sees every chunk read, so a caller can hash the plaintext in the same pass.
 */
export async function encryptFile(
  source: string,
  target: string,
  masterKey: Buffer,
  onPlaintext?: (chunk: Buffer) => void,
): Promise<void> {
  const { header, cipher } = startEnvelope(masterKey);
  const temp = `${target}.partial`;
  let headerWritten = false;
  try {
    await pipeline(
      createReadStream(source),
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          onPlaintext?.(chunk);
          const out = cipher.update(chunk);
          if (headerWritten) return done(null, out);
          headerWritten = true;
          done(null, Buffer.concat([header, out]));
        },
        flush(done) {
          const final = cipher.final();
          done(null, Buffer.concat([headerWritten ? Buffer.alloc(0) : header, final, cipher.getAuthTag()]));
        },
      }),
      createWriteStream(temp, { mode: 0o600 }),
    );
    // The create mode passes through the umask; chmod makes it exact.
    await chmod(temp, 0o600);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Decrypts `source` into `target`. The plaintext is written beside the target and renamed
 * only once the tag verifies, so a wrong key or an altered file leaves nothing behind.
 */
export async function decryptFile(source: string, target: string, masterKey: Buffer): Promise<void> {
  const handle = await open(source, 'r');
  let size: number;
  const header = Buffer.alloc(HEADER_BYTES);
  const tag = Buffer.alloc(TAG_BYTES);
  try {
    size = (await handle.stat()).size;
    await handle.read(header, 0, HEADER_BYTES, 0);
    if (size >= ENVELOPE_OVERHEAD_BYTES) await handle.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await handle.close();
  }
  const decipher = openEnvelope(header, tag, size, masterKey, source);
  const temp = `${target}.partial`;
  try {
    const ciphertext =
      size > ENVELOPE_OVERHEAD_BYTES
        ? createReadStream(source, { start: HEADER_BYTES, end: size - TAG_BYTES - 1 })
        : Readable.from([]);
    await pipeline(ciphertext, decipher, createWriteStream(temp, { mode: 0o600 }));
    await chmod(temp, 0o600);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    if (error instanceof ClaimflowError) throw error;
    throw Object.assign(new DecryptError(source, 'wrong_key_or_tampered'), { cause: error });
  }
}

/** The envelope of a small object (a dead letter's payload), in memory. */
export function sealBytes(plain: Buffer, masterKey: Buffer): Buffer {
  const { header, cipher } = startEnvelope(masterKey);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

/** `sealBytes`' inverse; `source` names the object in errors. */
export function openBytes(sealed: Buffer, masterKey: Buffer, source: string): Buffer {
  const tag = sealed.subarray(Math.max(0, sealed.length - TAG_BYTES));
  const decipher = openEnvelope(sealed.subarray(0, HEADER_BYTES), tag, sealed.length, masterKey, source);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch (error) {
    throw Object.assign(new DecryptError(source, 'wrong_key_or_tampered'), { cause: error });
  }
}
