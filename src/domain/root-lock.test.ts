import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RootLockedError, RootNotWritableError } from './errors.ts';
import {
  describeRootLockHolder,
  formatRootLockHolder,
  judgeRootLock,
  parseRootLockHolder,
  type RootLockHolder,
  UNWRITTEN_LOCK_MS,
} from './root-lock.ts';

const HOLDER: RootLockHolder = {
  pid: 4242,
  hostname: 'host-1',
  command: 'run',
  started_at: '2026-01-31T10:20:30.000Z',
};

describe('root lock', () => {
  it('writes its holder as one JSON line and reads it back; anything else is no holder', () => {
    const text = formatRootLockHolder(HOLDER);
    assert.equal(text, '{"pid":4242,"hostname":"host-1","command":"run","started_at":"2026-01-31T10:20:30.000Z"}\n');
    assert.deepEqual(parseRootLockHolder(text), HOLDER);
    for (const bad of ['', '{"pid":42', 'null', '[]', '{"pid":0,"hostname":"h","command":"run","started_at":"t"}'])
      assert.equal(parseRootLockHolder(bad), null, bad);
    assert.equal(parseRootLockHolder(JSON.stringify({ ...HOLDER, pid: '4242' })), null);
  });

  it('is stale only when its holder ran on this host and is gone, or it was never written and is old', () => {
    const running = { hostname: 'host-1', isRunning: (pid: number) => pid === 4242 };
    const gone = { hostname: 'host-1', isRunning: () => false };
    assert.equal(judgeRootLock({ holder: HOLDER, ageMs: 0 }, running), 'held');
    assert.equal(judgeRootLock({ holder: HOLDER, ageMs: 0 }, gone), 'stale');
    // Another host's process cannot be looked for from here.
    assert.equal(judgeRootLock({ holder: { ...HOLDER, hostname: 'host-2' }, ageMs: 1e9 }, gone), 'held');
    assert.equal(judgeRootLock({ holder: null, ageMs: UNWRITTEN_LOCK_MS - 1 }, gone), 'held');
    assert.equal(judgeRootLock({ holder: null, ageMs: UNWRITTEN_LOCK_MS }, gone), 'stale');
  });

  it('refuses with a message naming the root, the holder’s pid, host and command, and what to do', () => {
    const error = new RootLockedError('/data/out', '/data/out/claimflow.lock', HOLDER, 0);
    assert.equal(error.code, 'root_locked');
    assert.equal(
      error.message,
      'root /data/out is in use by claimflow run (pid 4242 on host-1, since 2026-01-31T10:20:30.000Z); only one command writes a root at a time. Run again when it has finished, or pass --wait-lock <seconds> to wait for it (if no claimflow command is running on that root, remove /data/out/claimflow.lock)',
    );
    assert.match(new RootLockedError('/r', '/r/claimflow.lock', HOLDER, 30).message, /, still after waiting 30s;/);
    assert.match(describeRootLockHolder(null), /another claimflow command/);
  });

  it('says why a root cannot be written, and what to do, by the file system’s code', () => {
    const says = (code: string) => new RootNotWritableError('/data/out', code).message;
    assert.equal(
      says('EACCES'),
      'root /data/out is not writable by this user (permission denied): give a --root you can write to, or change its permissions',
    );
    assert.equal(
      says('EROFS'),
      'root /data/out is on a read-only file system: give a --root on a writable file system',
    );
    assert.match(says('ENOTDIR'), /^root \/data\/out is not a folder/);
    assert.equal(says('EIO'), 'root /data/out cannot be written (EIO)');
    assert.equal(new RootNotWritableError('/r', 'EROFS').code, 'root_not_writable');
  });
});
