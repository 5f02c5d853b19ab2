import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { countRecords, lineEndOf, RecordCounter, type RecordSyntax } from './record-counter.ts';

const CSV: RecordSyntax = { kind: 'csv', delimiter: ',' };
const count = (text: string, syntax: RecordSyntax = CSV) => countRecords(Buffer.from(text), syntax);

describe('RecordCounter', () => {
  it('counts records with or without a last newline, CRLF or LF', () => {
    assert.equal(count('h1,h2\na,b\nc,d\n').records, 3);
    assert.equal(count('h1,h2\na,b\nc,d').records, 3);
    assert.equal(count('h1,h2\na,b\nc,d').lines, 3);
    assert.equal(count('h1,h2\na,b\n"c\nd\n').lines, 4);
    assert.equal(count('h1,h2\r\na,b\r\nc,d\r\n').records, 3);
    assert.equal(count('').records, 0);
  });

  it('skips blank and whitespace-only records, giving their positions as the reader numbers lines', () => {
    const counted = count('h1,h2\na,b\n\n  \t\r\nc,d\n\n');
    assert.equal(counted.records, 3);
    assert.deepEqual(counted.blankPositions, [3, 4, 6]);
  });

  it('keeps a quoted newline, a quoted delimiter and a doubled quote inside their record', () => {
    const counted = count('h1,h2\n"a\nstill a","b,""c"""\nd,e\n');
    assert.equal(counted.records, 3);
    assert.deepEqual(counted.spanning, [{ position: 2, line: 2, lines: 2 }]);
    assert.equal(counted.unterminatedQuoteLine, null);
  });

  it('takes a quote inside an unquoted field as text, not as the start of a quoted field', () => {
    assert.equal(count('h1,h2\n5" screen,b\nc,d\n').records, 3);
  });

  it('names the line of a quoted field that is never closed and swallows the lines after it', () => {
    const counted = count('h1,h2\na,b\n"Acme Health,b\nc,d\ne,f\n');
    assert.equal(counted.unterminatedQuoteLine, 3);
    assert.equal(counted.records, 3);
    assert.deepEqual(counted.spanning, [{ position: 3, line: 3, lines: 3 }]);
  });

  it('does not report an unclosed quote that ends the file on its own line (one malformed record)', () => {
    assert.equal(count('h1,h2\na,b\n"cut').unterminatedQuoteLine, null);
  });

  it('reads text after a closing quote as part of the same field and record', () => {
    assert.equal(count('h1,h2\n"a"x,b\nc,d\n').records, 3);
  });

  it('counts lines for NDJSON: LF, CRLF and a lone CR each end one, blank lines are positions', () => {
    const counted = count('{"a":1}\r\n{"a":2}\r{"a":3}\n\n {"a":"\\"x"}', { kind: 'lines' });
    assert.equal(counted.records, 4);
    assert.deepEqual(counted.blankPositions, [4]);
  });

  it('gives the same count whatever the chunk boundaries', () => {
    const text = Buffer.from('h1,h2\n"a\r\n""b",c\r\n\r\n  \nd,"e"\n"x""\n",y');
    const whole = countRecords(text, CSV);
    for (const size of [1, 2, 3, 7]) {
      const counter = new RecordCounter(CSV);
      for (let i = 0; i < text.length; i += size) counter.push(text.subarray(i, i + size));
      assert.deepEqual(counter.end(), whole, `chunks of ${size}`);
    }
    assert.equal(whole.records, 4);
    assert.deepEqual(whole.blankPositions, [3, 4]);
  });

  it('gives the same count for random texts of quotes, separators and line ends, in any chunks', () => {
    const alphabet = ['a', ',', '"', '\n', '\r', ' ', '""'];
    let seed = 7;
    const random = (below: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % below;
    };
    for (let n = 0; n < 300; n++) {
      const text = Buffer.from(Array.from({ length: 40 }, () => alphabet[random(alphabet.length)]).join(''));
      const whole = countRecords(text, CSV);
      const counter = new RecordCounter(CSV);
      for (let i = 0; i < text.length; ) {
        const size = 1 + random(9);
        counter.push(text.subarray(i, i + size));
        i += size;
      }
      assert.deepEqual(counter.end(), whole, JSON.stringify(text.toString()));
    }
  });

  it('reads a CSV whose lines end with a lone CR (classic Mac) when told so, as DuckDB detects it', () => {
    const text = 'h1,h2\ra,"b\rc"\r\r"d"\re,f';
    assert.equal(lineEndOf(Buffer.from(text)), 'cr');
    assert.equal(lineEndOf(Buffer.from('h1,h2\r\na,b\rc')), 'lf');
    assert.equal(lineEndOf(Buffer.from('h1,h2\na,b\rc')), 'lf');
    const counted = count(text, { kind: 'csv', delimiter: ',', lineEnd: 'cr' });
    assert.equal(counted.records, 4);
    assert.deepEqual(counted.blankPositions, [3]);
    assert.deepEqual(counted.spanning, [{ position: 2, line: 2, lines: 2 }]);
  });

  it('knows across chunks whether a quote starts a field', () => {
    const counter = new RecordCounter(CSV);
    counter.push(Buffer.from('h1,h2\nab'));
    counter.push(Buffer.from('"c\nd,"e\nf",g\n'));
    assert.equal(counter.end().records, 3);
  });
});
