import { createHash } from 'node:crypto';
import type { HmacPads } from '../domain/sql-dialect.ts';

const HMAC_BLOCK_BYTES = 64;

/** The pads of `key` that `SqlDialect.hmacSha256` takes. */
export function hmacPadsOf(key: Uint8Array): HmacPads {
  const block = Buffer.alloc(HMAC_BLOCK_BYTES);
  // A key longer than the block is hashed first; a shorter one is zero-padded.
  Buffer.from(key.length > HMAC_BLOCK_BYTES ? createHash('sha256').update(key).digest() : key).copy(block);
  const xor = (pad: number): string => Buffer.from(block.map((byte) => byte ^ pad)).toString('hex');
  return { inner: xor(0x36), outer: xor(0x5c) };
}

/** Bits 0..62 of a BIGINT, so the mask stays positive. */
const MAX_FLAGS = 63;

/** `flagBits` as a sum of CASE terms, which both engines read the same way (a NULL predicate sets no bit). */
export function sumOfFlagBits(predicates: readonly string[]): string {
  if (predicates.length > MAX_FLAGS) throw new Error(`at most ${MAX_FLAGS} flags fit in one mask`);
  if (predicates.length === 0) return 'CAST(0 AS BIGINT)';
  return predicates.map((p, i) => `CASE WHEN ${p} THEN CAST(${2n ** BigInt(i)} AS BIGINT) ELSE 0 END`).join(' + ');
}
