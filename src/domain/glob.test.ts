import assert from 'node:assert/strict';
import { it } from 'node:test';
import { globToRegExp } from './glob.ts';

it('matches *, ? and ** the way shells do, anchored', () => {
  assert.ok(globToRegExp('acme_*.csv').test('acme_2025-10.csv'));
  assert.ok(!globToRegExp('acme_*.csv').test('x/acme_1.csv'));
  assert.ok(globToRegExp('claims-?.csv').test('claims-1.csv'));
  assert.ok(globToRegExp('**/*.csv.gz').test('a/b/c.csv.gz'));
  assert.ok(globToRegExp('**/*.csv.gz').test('c.csv.gz'));
  assert.ok(!globToRegExp('*.csv').test('claims.csvx'));
  assert.ok(globToRegExp('ACME_*.CSV', 'i').test('acme_1.csv'));
});
