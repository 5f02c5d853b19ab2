import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalObjectStore } from '../adapters/local-store/local-object-store.ts';
import { ownQuarantineFiles } from '../domain/store-layout.ts';
import { dropStale } from './published-keys.ts';

describe('published keys', () => {
  let root: string;
  let store: LocalObjectStore;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'published-keys-'));
    store = new LocalObjectStore(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

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
