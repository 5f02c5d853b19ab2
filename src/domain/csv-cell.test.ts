import assert from 'node:assert/strict';
import { it } from 'node:test';
import { neutralizeCsvCell } from './csv-cell.ts';

it('prefixes a quote to cells a spreadsheet would run as a formula', () => {
  for (const cell of ['=1+1', '=HYPERLINK("http://x")', '+SUM(A1)', '-2+3', '@cmd', '\tcmd', '\r=1', '-', '+']) {
    assert.equal(neutralizeCsvCell(cell), `'${cell}`, JSON.stringify(cell));
  }
});

it('leaves plain numbers and ordinary text alone', () => {
  for (const cell of ['-12.50', '+3', '-0.5e3', '42', '.5', 'C1', 'professional', '', 'a=b', 'x@y.org', "'quoted"]) {
    assert.equal(neutralizeCsvCell(cell), cell, JSON.stringify(cell));
  }
});
