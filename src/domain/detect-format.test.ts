import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectFormat } from './detect-format.ts';

const detect = (name: string, text: string | Buffer) =>
  detectFormat(name, typeof text === 'string' ? Buffer.from(text) : text);

describe('detectFormat', () => {
  it('finds the CSV delimiter from the header, ignoring quoted ones, and reads the header', () => {
    const csv = (delimiter: string, header: string[]) => ({ ok: true, format: { kind: 'csv', delimiter, header } });
    assert.deepEqual(detect('a.csv', 'a,b,c\n1,2,3'), csv(',', ['a', 'b', 'c']));
    assert.deepEqual(detect('a.txt', '"x,y"|b|"c ""d"""\r\n'), csv('|', ['x,y', 'b', 'c "d"']));
    assert.deepEqual(detect('a.tsv', '\uFEFFa\tb\tc\n'), csv('\t', ['a', 'b', 'c']));
    assert.deepEqual(detect('a.csv', 'a,,a,a\n'), csv(',', ['a', 'column_2', 'a_2', 'a_3']));
  });

  it('ends the header at a lone CR (classic Mac line endings), not at the first LF of the file', () => {
    const csv = (header: string[]) => ({ ok: true, format: { kind: 'csv', delimiter: ',', header } });
    assert.deepEqual(detect('a.csv', 'a,b,c\r1,2,3\r4,5,6\r'), csv(['a', 'b', 'c']));
    assert.deepEqual(detect('a.csv', 'a,b\r1,2\n'), csv(['a', 'b']));
  });

  it('tells JSON arrays from NDJSON by content, whatever the extension', () => {
    assert.deepEqual(detect('a.json', '  [{"a":1}]'), { ok: true, format: { kind: 'json-array' } });
    assert.deepEqual(detect('a.json', '{"a":1}\n{"a":2}'), { ok: true, format: { kind: 'ndjson' } });
    assert.deepEqual(detect('a.ndjson.gz', '{"a":1}'), { ok: true, format: { kind: 'ndjson' } });
    assert.deepEqual(detect('claims.dat', '[{"a":1}]'), { ok: true, format: { kind: 'json-array' } });
  });

  it('refuses binary content and invalid UTF-8', () => {
    const nul = detect('a.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]));
    assert.equal(nul.ok, false);
    const latin1 = detect('a.csv', Buffer.from([0x61, 0x2c, 0xe9, 0xe9, 0xe9, 0x0a, 0x31]));
    assert.equal(latin1.ok, false);
  });

  it('accepts a head cut in the middle of a multi-byte character', () => {
    const text = Buffer.from('claim_id,name\n1,Zoë');
    assert.equal(detect('a.csv', text.subarray(0, text.length - 1)).ok, true);
  });
});
