import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UnsafeObjectKeyError } from '../../src/domain/object-key.ts';
import { tempDir } from './cli.ts';
import { InjectedStoreFault, MemoryObjectStore } from './memory-object-store.ts';

describe('MemoryObjectStore: the test double the file-job tests rely on', () => {
  let dir: string | undefined;
  const stores: MemoryObjectStore[] = [];
  const fresh = (...args: ConstructorParameters<typeof MemoryObjectStore>): MemoryObjectStore => {
    const store = new MemoryObjectStore(...args);
    stores.push(store);
    return store;
  };

  before(async () => {
    dir = await tempDir('memory-store');
  });
  after(async () => {
    for (const store of stores) await store.dropAllScratch();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('publish moves a local file in: the bytes are kept, the file is gone', async () => {
    const store = fresh();
    const local = join(dir as string, 'part.parquet');
    await writeFile(local, 'PAR1');
    await store.publish(local, 'processed/claims/year=2025/month=10/a-0.parquet');
    assert.equal(existsSync(local), false);
    assert.deepEqual(store.bytes('processed/claims/year=2025/month=10/a-0.parquet'), Buffer.from('PAR1'));
    assert.deepEqual(await store.list('processed/claims'), ['processed/claims/year=2025/month=10/a-0.parquet']);
    assert.deepEqual(await store.list('processed/claim'), [], 'a prefix is a folder, not a name start');
  });

  it('copyIn keeps the original and returns its SHA-256; hash agrees', async () => {
    const store = fresh();
    const source = join(dir as string, 'input.csv');
    await writeFile(source, 'claim_id\nC1\n');
    const digest = await store.copyIn(source, 'archive/2026-01-02/job/input.csv');
    assert.equal(digest, createHash('sha256').update('claim_id\nC1\n').digest('hex'));
    assert.equal(await readFile(source, 'utf8'), 'claim_id\nC1\n');
    assert.equal(await store.hash('archive/2026-01-02/job/input.csv'), digest);
  });

  it('scratch folders are real and dropped; fetchLocal writes the object into one', async () => {
    const store = fresh();
    await store.writeText('raw/claims/a.csv', 'x,y\n');
    const scratch = await store.scratchDir('job-1');
    assert.equal(await store.scratchDir('job-1'), scratch, 'the same name, the same folder');
    const local = await store.fetchLocal('raw/claims/a.csv', 'job-1');
    assert.ok(local.startsWith(scratch));
    assert.equal(await readFile(local, 'utf8'), 'x,y\n');
    await store.dropScratch('job-1');
    assert.equal(existsSync(scratch), false);
    assert.deepEqual(store.scratchFolders(), [scratch]);
  });

  it('copy, delete, locate and unsafe keys', async () => {
    const store = fresh();
    await store.writeText('a/b.txt', 'hello');
    await store.copy('a/b.txt', 'c/d.txt');
    assert.equal(await store.readText('c/d.txt'), 'hello');
    await store.delete('a/b.txt');
    assert.deepEqual(store.keys(), ['c/d.txt']);
    await assert.rejects(store.readText('a/b.txt'), /no object a\/b\.txt/);
    assert.equal(store.locate('c/d.txt'), 'memory://c/d.txt');
    await assert.rejects(store.writeText('../escape', 'x'), UnsafeObjectKeyError);
  });

  it('fails a method on every call (failOn) or once (failNext)', async () => {
    const store = fresh({ failOn: ['writeText'] });
    await assert.rejects(
      store.writeText('k', 'v'),
      (e: unknown) => e instanceof InjectedStoreFault && e.method === 'writeText',
    );
    store.failOn.delete('writeText');
    await store.writeText('k', 'v');
    store.failNext('readText');
    await assert.rejects(store.readText('k'), InjectedStoreFault);
    assert.equal(await store.readText('k'), 'v');
  });
});
