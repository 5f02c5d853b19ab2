import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateRecords } from './estimate-records.ts';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('estimateRecords', () => {
  it('scales the head’s lines to the file’s size, less the header', () => {
    // 10 lines of 10 bytes in a 100-byte head of a 10,000-byte file: 1,000 lines, one a header.
    const head = bytes('abcdefghi\n'.repeat(10));
    assert.equal(estimateRecords(head, 10_000, 1), 999);
    assert.equal(estimateRecords(head, 10_000, 0), 1000);
  });

  it('counts a file held whole by its head, with or without a last line end', () => {
    assert.equal(estimateRecords(bytes('h\na\nb\n'), 6, 1), 2);
    assert.equal(estimateRecords(bytes('h\na\nb'), 5, 1), 2);
    assert.equal(estimateRecords(bytes(''), 0, 0), 0);
  });

  it('gives no estimate when the head holds no whole record', () => {
    assert.equal(estimateRecords(bytes('x'.repeat(100)), 10_000, 0), null);
    assert.equal(estimateRecords(bytes(`header\n${'x'.repeat(100)}`), 10_000, 1), null);
  });
});
