import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { headColumns } from './head-columns.ts';

const columnsOf = (kind: 'json-array' | 'ndjson', text: string): string[] => headColumns({ kind }, Buffer.from(text));

describe('headColumns', () => {
  it('is the CSV header as detected', () => {
    assert.deepEqual(headColumns({ kind: 'csv', delimiter: '|', header: ['b', 'a'] }, Buffer.from('b|a\n')), [
      'b',
      'a',
    ]);
  });

  it('gathers the keys of the complete records of a JSON array head, sorted, leaving out a record cut short', () => {
    const head =
      '\uFEFF[{"claim_id": "C1", "note": "a } and a { in text", "nested": {"inner": [1, {"deep": 2}]}},\n' +
      ' {"claim_id": "C2", "paid_amount": 1.5, "esc\\"aped": "\\\\"}, {"claim_id": "C3", "late_key": "cut';
    assert.deepEqual(columnsOf('json-array', head), ['claim_id', 'esc"aped', 'nested', 'note', 'paid_amount']);
  });

  it('reads NDJSON records line by line and skips one that is not an object or not JSON', () => {
    const head = '{"b": 1}\n[1, 2]\n{"a": tru}\n{"c": null, "b": 2}\n{"d": ';
    assert.deepEqual(columnsOf('ndjson', head), ['b', 'c']);
  });
});
