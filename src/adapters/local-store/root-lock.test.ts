import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { RootLockedError, RootNotWritableError } from '../../domain/errors.ts';
import { formatRootLockHolder, type RootLockHolder } from '../../domain/root-lock.ts';
import { ROOT_LOCK_TAKEOVER_KEY } from '../../domain/store-layout.ts';
import { acquireRootLock, type RootLock, rootLockFile } from './root-lock.ts';

const MODULE = fileURLToPath(new URL('./root-lock.ts', import.meta.url));

/**
 * A child that takes the lock at `startAt` (refusing at once), says `got` or `refused`, and holds
 * it until signalled or `holdMs` passes.
 */
const CHILD = `
import { acquireRootLock } from ${JSON.stringify(MODULE)};
const [root, holdMs, startAt] = process.argv.slice(2);
// Children started together take the lock at the same moment, not as each finishes loading.
await new Promise((go) => setTimeout(go, Number(startAt ?? 0) - Date.now()));
try {
  const lock = await acquireRootLock(root, { command: 'run', waitMs: 0, releaseOnSignal: true });
  process.stdout.write('got\\n');
  setTimeout(() => lock.release(), Number(holdMs));
} catch (error) {
  process.stdout.write(error.code === 'root_locked' ? 'refused\\n' : \`error \${error.message}\\n\`);
}
`;

describe('acquireRootLock', () => {
  let dir: string | undefined;
  let child: string;
  const held: RootLock[] = [];
  let n = 0;
  const freshRoot = async (): Promise<string> => {
    const root = join(dir as string, `root-${++n}`);
    await mkdir(root);
    return root;
  };
  const take = async (root: string, options: Partial<Parameters<typeof acquireRootLock>[1]> = {}) => {
    const lock = await acquireRootLock(root, { command: 'run', waitMs: 0, releaseOnSignal: false, ...options });
    held.push(lock);
    return lock;
  };
  const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid;
  const run = (root: string, holdMs: number, startAt = 0) =>
    spawn(process.execPath, ['--import', 'tsx', child, root, String(holdMs), String(startAt)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claimflow-root-lock-'));
    child = join(dir, 'take-lock.mts');
    await writeFile(child, CHILD);
  });

  after(async () => {
    for (const lock of held) lock.release();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates the lock with its holder, refuses a second writer, and removes it on release', async () => {
    const root = await freshRoot();
    const lock = await take(root, { command: 'watch' });
    const holder = JSON.parse(await readFile(rootLockFile(root), 'utf8')) as RootLockHolder;
    assert.deepEqual([holder.pid, holder.hostname, holder.command], [process.pid, hostname(), 'watch']);
    assert.equal(lock.holder.started_at, holder.started_at);

    await assert.rejects(take(root), (error: unknown) => {
      assert.ok(error instanceof RootLockedError);
      assert.equal(error.holder?.pid, process.pid);
      assert.match(error.message, new RegExp(`^root ${root} is in use by claimflow watch \\(pid ${process.pid} `));
      return true;
    });
    lock.release();
    lock.release();
    assert.equal(existsSync(rootLockFile(root)), false);
    (await take(root)).release();
  });

  it('waits up to waitMs for the holder to release, telling onWait once', async () => {
    const root = await freshRoot();
    const first = await take(root);
    const waits: Array<RootLockHolder | null> = [];
    setTimeout(() => first.release(), 300);
    const started = Date.now();
    const second = await take(root, { waitMs: 10_000, pollMs: 20, onWait: (h) => waits.push(h) });
    assert.ok(Date.now() - started >= 250, 'it waited');
    assert.equal(waits.length, 1);
    assert.equal(waits[0]?.pid, process.pid);
    second.release();

    const third = await take(root);
    await assert.rejects(take(root, { waitMs: 200, pollMs: 20 }), /, still after waiting 0.2s;/);
    third.release();
  });

  it('takes over a lock whose holder on this host is gone, or that was never written and is old', async () => {
    const root = await freshRoot();
    const stale: RootLockHolder = { pid: deadPid(), hostname: hostname(), command: 'run', started_at: 'then' };
    await writeFile(rootLockFile(root), formatRootLockHolder(stale));
    const seen: Array<RootLockHolder | null> = [];
    const lock = await take(root, { onTakeOver: (h) => seen.push(h) });
    assert.deepEqual(seen, [stale]);
    assert.equal(JSON.parse(await readFile(rootLockFile(root), 'utf8')).pid, process.pid);
    lock.release();

    // Empty: its creator may be writing it still, unless it is old.
    await writeFile(rootLockFile(root), '');
    await assert.rejects(take(root), RootLockedError);
    const old = new Date(Date.now() - 60_000);
    await utimes(rootLockFile(root), old, old);
    const seenEmpty: Array<RootLockHolder | null> = [];
    (await take(root, { onTakeOver: (h) => seenEmpty.push(h) })).release();
    assert.deepEqual(seenEmpty, [null]);
  });

  it('leaves alone a lock held on another host, and one that is not its own on release', async () => {
    const root = await freshRoot();
    const elsewhere = formatRootLockHolder({
      pid: deadPid(),
      hostname: `not-${hostname()}`,
      command: 'run',
      started_at: 'then',
    });
    await writeFile(rootLockFile(root), elsewhere);
    await assert.rejects(take(root), RootLockedError);
    assert.equal(await readFile(rootLockFile(root), 'utf8'), elsewhere);

    const other = await freshRoot();
    const lock = await take(other);
    await writeFile(rootLockFile(other), elsewhere);
    lock.release();
    assert.equal(await readFile(rootLockFile(other), 'utf8'), elsewhere, 'release removes only its own lock');
  });

  it('gives a stale lock to exactly one of eight processes started together', async () => {
    const root = await freshRoot();
    await writeFile(
      rootLockFile(root),
      formatRootLockHolder({ pid: deadPid(), hostname: hostname(), command: 'run', started_at: 'then' }),
    );
    const startAt = Date.now() + 3000;
    const children = Array.from({ length: 8 }, () => run(root, 3000, startAt));
    const said = await Promise.all(
      children.map(async (c) => {
        let out = '';
        c.stdout?.on('data', (d: Buffer) => {
          out += d;
        });
        await once(c, 'close');
        return out.trim();
      }),
    );
    assert.deepEqual(said.toSorted(), ['got', ...Array(7).fill('refused')], said.join(', '));
    assert.equal(existsSync(rootLockFile(root)), false, 'the winner released it');
  });

  it('does not remove a stale lock while another process is taking it over, and clears a guard left by one killed doing so', async () => {
    const root = await freshRoot();
    const guard = join(root, ROOT_LOCK_TAKEOVER_KEY);
    const stale = formatRootLockHolder({ pid: deadPid(), hostname: hostname(), command: 'run', started_at: 'then' });
    await writeFile(rootLockFile(root), stale);
    // Another process has found the same stale lock and holds the guard: it removes the lock and takes the root.
    await writeFile(guard, '1\n');
    const taking = take(root).then(
      () => null,
      (error: unknown) => error,
    );
    await sleep(200);
    const winner = formatRootLockHolder({
      pid: process.pid,
      hostname: hostname(),
      command: 'watch',
      started_at: 'now',
    });
    // Written whole, as the lock's creator has it written before it could be judged.
    await writeFile(`${guard}.new`, winner);
    await rename(`${guard}.new`, rootLockFile(root));
    await rm(guard);
    const refused = await taking;
    assert.ok(refused instanceof RootLockedError, `refused, not given the root: ${refused}`);
    assert.equal(refused.holder?.command, 'watch');
    assert.equal(await readFile(rootLockFile(root), 'utf8'), winner, 'the winner’s lock stays');

    await writeFile(rootLockFile(root), stale);
    await writeFile(guard, '1\n');
    const old = new Date(Date.now() - 60_000);
    await utimes(guard, old, old);
    (await take(root)).release();
    assert.equal(existsSync(guard), false);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    it(`releases the lock on ${signal}, and the process still dies of it`, async () => {
      const root = await freshRoot();
      const c = run(root, 600_000);
      try {
        await once(c.stdout as NodeJS.ReadableStream, 'data');
        assert.equal(JSON.parse(await readFile(rootLockFile(root), 'utf8')).pid, c.pid);
        const closed = once(c, 'close');
        c.kill(signal);
        assert.deepEqual(await closed, [null, signal]);
        assert.equal(existsSync(rootLockFile(root)), false);
      } finally {
        if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      }
    });

  it('says a root that cannot be written is not writable', async (t) => {
    const file = join(dir as string, 'a-file');
    await writeFile(file, '');
    await assert.rejects(take(file), (error: unknown) => {
      assert.ok(error instanceof RootNotWritableError);
      assert.equal(error.errno, 'ENOTDIR');
      return true;
    });
    // chmod does not stop root: the integration test meets EACCES as another user instead.
    if (process.getuid?.() === 0) return t.diagnostic('as root, a 0555 folder is writable: EACCES not met here');
    const readOnly = await freshRoot();
    await chmod(readOnly, 0o555);
    try {
      await assert.rejects(
        take(readOnly),
        (error: unknown) => error instanceof RootNotWritableError && error.errno === 'EACCES',
      );
    } finally {
      await chmod(readOnly, 0o755);
    }
  });
});
