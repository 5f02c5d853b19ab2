import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDbEngine } from '../adapters/duckdb/duckdb-engine.ts';
import { duckdbDialect } from './duckdb-dialect.ts';
import {
  csvRelation,
  jsonField,
  jsonFields,
  literalPath,
  ndjsonLineRelation,
  UnreadablePathError,
} from './duckdb-ingest.ts';

describe('the DuckDB ingest relations', () => {
  let dir: string;
  let engine: DuckDbEngine;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claimflow-ingest-'));
    engine = await DuckDbEngine.open({ path: ':memory:' });
  });
  after(() => engine.close());

  it('reads NDJSON as lines: objects are records, any other line is kept as malformed text, blank lines stay empty', async () => {
    const path = join(dir, 'lines.ndjson');
    const lines = [
      ' \t{"a":1}',
      ' \t ',
      'not json',
      '[1]',
      '{"a":"\\u0000"}',
      `{"a":"${'x'.repeat(5000)}"}`,
      '{"a":2}\r',
    ];
    await writeFile(path, Buffer.concat([Buffer.from(`${lines.join('\n')}\n`), Buffer.from([0x7b, 0xff, 0x7d, 0x0a])]));
    const rows = await engine.query(
      `SELECT * FROM ${ndjsonLineRelation({ path, gzip: false, maxRecordBytes: 4096, rejectsTable: 'lines_rejects' })}`,
    );
    assert.deepEqual(rows, [
      { _record: ' \t{"a":1}', _raw_line: null, _ingest_error: null },
      { _record: null, _raw_line: null, _ingest_error: null },
      { _record: null, _raw_line: 'not json', _ingest_error: 'NOT A JSON OBJECT' },
      { _record: null, _raw_line: '[1]', _ingest_error: 'NOT A JSON OBJECT' },
      { _record: null, _raw_line: '{"a":"\\u0000"}', _ingest_error: 'NOT A JSON OBJECT' },
      { _record: '{"a":2}', _raw_line: null, _ingest_error: null },
      // A CR ends a line too (relaxed mode): the CRLF in this LF file counts as a blank line.
      { _record: null, _raw_line: null, _ingest_error: null },
    ]);
    // Too long (line 6) and not UTF-8 (line 9) are not read: the rejects table has them by line number.
    const rejects = await engine.query('SELECT line, error_type FROM lines_rejects ORDER BY line');
    assert.deepEqual(
      rejects.map((r) => [Number(r.line), String(r.error_type)]),
      [
        [6, 'LINE SIZE OVER MAXIMUM'],
        [9, 'INVALID ENCODING'],
      ],
    );
  });

  it('marks a CSV row with a NUL byte in a field as malformed', async () => {
    const path = join(dir, 'nul.csv');
    await writeFile(path, 'a,b\n1,x\n2,y\0z\n');
    const rows = await engine.query(
      `SELECT a, _ingest_error FROM ${csvRelation({ path, gzip: false, delimiter: ',', columns: ['a', 'b'] })}`,
    );
    assert.deepEqual(rows, [
      { a: '1', _ingest_error: null },
      { a: '2', _ingest_error: 'NUL BYTE' },
    ]);
  });
});

describe('literalPath', () => {
  it('puts each glob character in brackets, where it matches only itself, and leaves other paths alone', () => {
    assert.equal(literalPath('/data/claims.csv'), "'/data/claims.csv'");
    assert.equal(literalPath('/data/root[1]/feed*.csv'), "'/data/root[[]1]/feed[*].csv'");
    assert.equal(literalPath("/data/q?/o'brien.csv"), "'/data/q[?]/o''brien.csv'");
    assert.equal(literalPath('C:\\data\\claims.csv'), "'C:\\data\\claims.csv'");
  });

  it('refuses a path with both a backslash and glob characters, which the engine cannot read as itself', () => {
    assert.throws(() => literalPath('/data/e\\[1].csv'), UnreadablePathError);
  });
});

describe('jsonFields', () => {
  it('reads any key a JSON record can hold, whatever a JSON path would make of it', async () => {
    const engine = await DuckDbEngine.open({ path: ':memory:' });
    try {
      const keys = ['a\\', 'a"', '', 'a/b', '~1', '$.a', '0', "it's", ' ', '[*]', 'a.b', 'Ä'];
      const record = JSON.stringify({ ...Object.fromEntries(keys.map((k, i) => [k, `v${i}`])), a: 'plain' });
      const field = jsonField(keys);
      const fields = keys.map((k, i) => `${field(k)} AS v${i}`).join(', ');
      const [row] = await engine.query(
        `SELECT ${fields} FROM ${jsonFields(`(SELECT ${duckdbDialect.stringLiteral(record)} AS _record)`, keys)}`,
      );
      assert.deepEqual(row, Object.fromEntries(keys.map((_, i) => [`v${i}`, `v${i}`])));
    } finally {
      engine.close();
    }
  });
});
