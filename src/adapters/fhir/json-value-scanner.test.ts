import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type JsonScanError, JsonValueScanner, type ScannedValue } from './json-value-scanner.ts';

interface Scan {
  values: ScannedValue[];
  errors: JsonScanError[];
  documents: number;
}

function scan(chunks: readonly string[]): Scan {
  const result: Scan = { values: [], errors: [], documents: 0 };
  const scanner = new JsonValueScanner({
    value: (v) => result.values.push(v),
    documentEnd: () => result.documents++,
    error: (e) => result.errors.push(e),
  });
  for (const chunk of chunks) scanner.push(chunk);
  scanner.end();
  return result;
}

const bundle = JSON.stringify(
  {
    resourceType: 'Bundle',
    meta: { tag: [{ code: 'entry' }], note: 'braces } and ] and "entry": [ inside strings \\" are text' },
    entry: [
      { fullUrl: 'urn:uuid:1', resource: { resourceType: 'Patient', id: '1' } },
      { resource: { resourceType: 'Claim', id: 'c1', item: [{ sequence: 1 }, { sequence: 2 }] } },
      { resource: { resourceType: 'ExplanationOfBenefit', id: 'e1', text: 'a \\"quoted\\" } value' } },
    ],
    type: 'transaction',
  },
  null,
  2,
);

describe('JSON value scanner', () => {
  it("cuts a Bundle's entries out one by one, with their index and line, whatever the chunking", () => {
    const expected = JSON.parse(bundle).entry;
    for (const size of [1, 7, 64, bundle.length]) {
      const chunks = bundle.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g')) ?? [];
      const { values, errors, documents } = scan(chunks);
      assert.deepEqual(errors, []);
      assert.equal(documents, 1);
      assert.deepEqual(
        values.map((v) => (v.kind === 'entry' ? [v.index, JSON.parse(v.text)] : v.kind)),
        expected.map((e: unknown, i: number) => [i + 1, e]),
        `chunks of ${size}`,
      );
    }
    // Entries of a Bundle printed with two-space indentation open on lines that are just "    {".
    const entryLines = bundle.split('\n').flatMap((line, i) => (line === '    {' ? [i + 1] : []));
    assert.deepEqual(
      scan([bundle]).values.map((v) => v.line),
      entryLines,
    );
  });

  it('cuts NDJSON records and the elements of a top-level array out whole', () => {
    const claim = { resourceType: 'Claim', id: 'a' };
    const inner = { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Claim', id: 'b' } }] };
    const ndjson = scan([`${JSON.stringify(claim)}\r\n${JSON.stringify(inner)}\r\n`]);
    assert.deepEqual(
      ndjson.values.map((v) => [v.kind, v.line, JSON.parse(v.text)]),
      [
        ['document', 1, claim],
        ['entry', 2, inner.entry[0]],
      ],
    );
    assert.equal(ndjson.documents, 2);
    const array = scan([JSON.stringify([claim, inner], null, 1)]);
    assert.deepEqual(
      array.values.map((v) => [v.kind, JSON.parse(v.text)]),
      [
        ['document', claim],
        ['document', inner],
      ],
    );
  });

  it('skips a broken NDJSON record to the next line and goes on', () => {
    const { values, errors } = scan(['{"id":"a"}\n{"id": ]}\n', 'not json at all\n{"id":"b"}\n']);
    assert.deepEqual(
      values.map((v) => JSON.parse(v.text).id),
      ['a', 'b'],
    );
    assert.deepEqual(
      errors.map((e) => [e.line, e.fatal]),
      [
        [2, false],
        [3, false],
      ],
    );
  });

  it('stops at a broken multi-line document and at a file that ends inside a value', () => {
    const broken = bundle.replace('"sequence": 2\n', '"sequence": 2 ]\n');
    const stopped = scan([broken]);
    assert.equal(stopped.values.length, 1, 'the entry before the error is kept');
    assert.deepEqual(
      stopped.errors.map((e) => e.fatal),
      [true],
    );
    const cut = scan([bundle.slice(0, bundle.indexOf('"ExplanationOfBenefit"'))]);
    assert.equal(cut.values.length, 2);
    assert.deepEqual(
      cut.errors.map((e) => [e.reason, e.fatal]),
      [['the file ends inside a JSON value', true]],
    );
  });
});
