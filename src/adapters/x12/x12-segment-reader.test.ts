import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type X12Segment, X12SegmentReader, X12SyntaxError } from './x12-segment-reader.ts';

const ISA_5010 =
  'ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *241104*1921*^*00501*000000001*0*T*:~';
// The same interchange header with other separators: element |, component >, terminator ! (and 004010's ISA11 "U").
const ISA_4010 =
  'ISA|00|          |00|          |ZZ|SENDER         |ZZ|RECEIVER       |241104|1921|U|00401|000000002|0|T|>!';

function read(chunks: readonly string[]): X12Segment[] {
  const segments: X12Segment[] = [];
  const reader = new X12SegmentReader((s) => segments.push(s));
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return segments;
}

const ids = (segments: readonly X12Segment[]): string[] => segments.map((s) => s.elements.join('/'));

describe('X12 segment reader', () => {
  it('reads the separators of each interchange from its own ISA', () => {
    const text = `${ISA_5010}GS*HC*A*B~ST*837*1~SE*2*1~IEA*1*000000001~${ISA_4010}GS|HC|A|B!CLM|7|1>B>1!IEA|1|000000002!`;
    const segments = read([text]);
    assert.deepEqual(ids(segments).slice(1, 5), ['GS/HC/A/B', 'ST/837/1', 'SE/2/1', 'IEA/1/000000001']);
    assert.deepEqual(ids(segments).slice(6), ['GS/HC/A/B', 'CLM/7/1>B>1', 'IEA/1/000000002']);
    assert.deepEqual(segments[0]?.delimiters, { element: '*', component: ':', repetition: '^', segment: '~' });
    assert.deepEqual(segments[6]?.delimiters, { element: '|', component: '>', repetition: null, segment: '!' });
    assert.deepEqual(
      segments.map((s) => s.position),
      Array.from({ length: 9 }, (_, i) => i + 1),
      'positions count segments across interchanges',
    );
  });

  it('gives the same segments whatever the chunking, line breaks, indentation or BOM', () => {
    const body = ['GS*HC*A*B', 'ST*837*1', 'CLM*26463774*100***11:B:1', 'SE*3*1', 'GE*1*1', 'IEA*1*000000001'];
    const expected = ids(read([`${ISA_5010}${body.join('~')}~`]));
    const layouts = {
      lf: `${ISA_5010}\n${body.join('~\n')}~\n`,
      crlf: `${ISA_5010}\r\n${body.join('~\r\n')}~\r\n`,
      indented: `\uFEFF  ${ISA_5010}\n${body.map((s) => `\t  ${s}`).join('~\n')}~\n\n`,
      // Fixed-width records wrapped at 40 characters, as some mainframe senders write them.
      wrapped: `${ISA_5010}${body.join('~')}~`.replace(/(.{40})/g, '$1\r\n'),
      'no final terminator': `${ISA_5010}${body.join('~')}`,
      'line feed as the terminator': `${ISA_5010.replace(/~$/, '\n')}${body.join('\r\n')}\r\n`,
    };
    for (const [name, text] of Object.entries(layouts)) {
      assert.deepEqual(ids(read([text])), expected, name);
      assert.deepEqual(ids(read(text.split(''))), expected, `${name}, one character per chunk`);
    }
  });

  it('rejects text that does not start with ISA, naming the position', () => {
    assert.throws(
      () => read(['claim_id,claim_line_number\n1,1\n']),
      (e: unknown) => e instanceof X12SyntaxError && e.position === 1 && /expected an ISA/.test(e.reason),
    );
    assert.throws(() => read(['ISA*00*short~']), /ISA does not have 16 elements|ends inside an ISA/);
  });

  it('refuses separators that are not distinct', () => {
    assert.throws(() => read([ISA_5010.replace('*:~', '*~~')]), /not distinct|not single/);
  });

  it('stops at a segment too long to be one (wrong terminator), instead of buffering the file', () => {
    const reader = new X12SegmentReader(() => {});
    reader.push(ISA_5010);
    assert.throws(() => reader.push('A'.repeat(2 * 1024 * 1024)), /no segment terminator/);
  });
});
