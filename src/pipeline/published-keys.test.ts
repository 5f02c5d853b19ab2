import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalObjectStore } from '../adapters/local-store/local-object-store.ts';
import { dropStale, monthOf, ownClaimFiles, ownQuarantineFiles } from './published-keys.ts';

describe('published keys', () => {
  let root: string;
  let store: LocalObjectStore;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'published-keys-'));
    store = new LocalObjectStore(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('names a source’s own files in either engine’s naming, and no other source’s', () => {
    const quarantine = ownQuarantineFiles('claims.2025.csv');
    assert.ok(quarantine.test('quarantine/rows/claims.2025.csv.parquet'));
    assert.ok(quarantine.test('quarantine/rows/claims.2025.csv-3.parquet'));
    assert.ok(!quarantine.test('quarantine/rows/claims.2025.csv.extra.parquet'));
    assert.ok(!quarantine.test('quarantine/rows/claimsX2025.csv.parquet'), 'dots are literal');
    const claims = ownClaimFiles('a.csv');
    assert.ok(claims.test('processed/claims/year=2025/month=10/a.csv-0.parquet'));
    assert.ok(!claims.test('processed/claims/year=2025/month=10/b.a.csv-0.parquet'));
    assert.equal(monthOf('processed/claims/year=2025/month=10/a.csv-0.parquet'), '2025-10');
  });

  it('drops the Spark parts a later DuckDB run of the same object replaced, and keeps other sources', async () => {
    for (const key of ['a.csv-0', 'a.csv-1', 'a.csv', 'b.csv']) {
      await store.writeText(`quarantine/rows/${key}.parquet`, 'x');
    }
    const dropped = await dropStale(store, 'quarantine/rows', ownQuarantineFiles('a.csv'), [
      'quarantine/rows/a.csv.parquet',
    ]);
    assert.deepEqual(dropped.sort(), ['quarantine/rows/a.csv-0.parquet', 'quarantine/rows/a.csv-1.parquet']);
    assert.deepEqual((await store.list('quarantine/rows')).sort(), [
      'quarantine/rows/a.csv.parquet',
      'quarantine/rows/b.csv.parquet',
    ]);
  });
});
