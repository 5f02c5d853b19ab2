import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DuckDbWarehouse } from './duckdb-warehouse.ts';

const ENGINE = fileURLToPath(new URL('./duckdb-engine.ts', import.meta.url));

/** Another process with the warehouse open (as `query` has while it refreshes the views) for `ms`. */
const HOLDER = `
import { DuckDbEngine } from ${JSON.stringify(ENGINE)};
const [path, ms] = process.argv.slice(2);
const engine = await DuckDbEngine.open({ path });
process.stdout.write('holding\\n');
setTimeout(() => engine.close(), Number(ms));
`;

describe('DuckDbWarehouse', () => {
  let dir: string | undefined;
  let holder: string;
  const children: ReturnType<typeof spawn>[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claimflow-warehouse-'));
    holder = join(dir, 'hold.mts');
    await writeFile(holder, HOLDER);
  });

  after(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Resolves once a child process has the warehouse file open, for `ms`. */
  async function holdOpen(path: string, ms: number): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', holder, path, String(ms)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    await once(child.stdout, 'data');
  }

  it('waits for another process that has the warehouse open, instead of failing on its file lock (issue 18, finding 8)', async () => {
    const root = join(dir as string, 'root');
    const warehouse = new DuckDbWarehouse(root);
    await mkdir(root);
    await warehouse.refresh();

    await holdOpen(warehouse.path, 1500);
    const started = Date.now();
    await warehouse.refresh();
    assert.ok(Date.now() - started >= 500, 'the refresh waited for the other process');

    await holdOpen(warehouse.path, 1000);
    assert.deepEqual(await warehouse.query('SELECT 42 AS n'), [{ n: 42 }]);
  });

  it('creates a new warehouse file whole, once, however many refreshes start together (a kill mid-creation left an invalid file)', async () => {
    const root = join(dir as string, 'new-root');
    await mkdir(root);
    const warehouses = [1, 2, 3, 4].map(() => new DuckDbWarehouse(root));
    await Promise.all(warehouses.map((w) => w.refresh()));
    // Only the warehouse is left: each file made under a name of its own is gone once linked or not.
    assert.deepEqual(await readdir(root), ['warehouse.duckdb']);
    assert.deepEqual(await new DuckDbWarehouse(root).query('SELECT 42 AS n'), [{ n: 42 }]);
  });
});
