import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { DuckDbEngine } from '../adapters/duckdb/duckdb-engine.ts';
import { hmacPadsOf } from './dialect.ts';
import { duckdbDialect } from './duckdb-dialect.ts';

/** Identifiers as feeds send them, and the edges of UTF-8 and of the 64-byte HMAC block. */
function sampleValues(): string[] {
  const random = Array.from({ length: 1_000 }, (_, i) => randomBytes(1 + (i % 90)).toString(i % 2 ? 'hex' : 'base64'));
  return ['', 'P0000001', 'M-12 345', "O'Brien", 'Zoë Ñúñez 李 🙂', 'x'.repeat(64), 'y'.repeat(200), ...random];
}

test('the DuckDB HMAC-SHA-256 equals node:crypto for every value, key length and NULL', async () => {
  const values = sampleValues();
  const engine = await DuckDbEngine.open({ path: ':memory:' });
  try {
    const rows = values.map((v, i) => `(${i}, ${duckdbDialect.stringLiteral(v)})`).join(', ');
    await engine.run(`CREATE TABLE ids AS SELECT * FROM (VALUES ${rows}, (${values.length}, NULL)) AS t(i, id)`);
    // 32 bytes (the configured size), shorter than a block, and longer (hashed first, per RFC 2104).
    for (const key of [randomBytes(32), randomBytes(5), randomBytes(100)]) {
      const tokens = await engine.query(
        `SELECT i, ${duckdbDialect.hmacSha256('id', hmacPadsOf(key))} AS token FROM ids ORDER BY i`,
      );
      const expected = [...values.map((v) => createHmac('sha256', key).update(v, 'utf8').digest('hex')), null];
      assert.deepEqual(
        tokens.map((r) => r.token),
        expected,
      );
    }
  } finally {
    engine.close();
  }
});

test('the pads are the key XOR 0x36 and 0x5c over one 64-byte block', () => {
  const pads = hmacPadsOf(Buffer.from([0x01, 0xff]));
  assert.equal(pads.inner, `37c9${'36'.repeat(62)}`);
  assert.equal(pads.outer, `5da3${'5c'.repeat(62)}`);
});
