import { readFileSync } from 'node:fs';
import { ClaimflowError } from '../../domain/errors.ts';

const KEY_BYTES = 32;

export class KeyError extends ClaimflowError {
  readonly code = 'key';
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`key ${source}: ${problem}`);
  }
}

/**
 * A 256-bit key from its text: 64 hex digits or base64 of 32 bytes (raw 32-byte files are
 * read by `readKeyFile`). `source` names where it came from, never the key itself.
 */
export function parseKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const decoded = Buffer.from(trimmed, 'base64');
  if (decoded.length === KEY_BYTES && /^[A-Za-z0-9+/]+=*$/.test(trimmed)) return decoded;
  throw new KeyError(source, 'expected 32 bytes as 64 hex digits or base64');
}

export function readKeyFile(path: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw Object.assign(new KeyError(path, 'cannot be read'), { cause: error });
  }
  return bytes.length === KEY_BYTES ? bytes : parseKey(bytes.toString('utf8'), path);
}
