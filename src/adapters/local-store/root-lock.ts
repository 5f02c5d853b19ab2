import { closeSync, fsyncSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT_NOT_WRITABLE_CODES, RootLockedError, RootNotWritableError } from '../../domain/errors.ts';
import {
  type FoundRootLock,
  formatRootLockHolder,
  judgeRootLock,
  type LockObserver,
  parseRootLockHolder,
  type RootLockHolder,
} from '../../domain/root-lock.ts';
import { ROOT_LOCK_KEY, ROOT_LOCK_TAKEOVER_KEY } from '../../domain/store-layout.ts';
import { PRIVATE_FILE_MODE } from './private-dir.ts';

export interface RootLockOptions {
  /** The command taking the lock, as its holder is described to a second writer. */
  readonly command: string;
  /** How long to wait for the holder to finish; 0 refuses at once. */
  readonly waitMs: number;
  /** How often a waiting writer looks again (default 250 ms). */
  readonly pollMs?: number;
  /** Told once, when the root is held by another writer and this one starts to wait. */
  readonly onWait?: (holder: RootLockHolder | null) => void;
  /** Told when a lock left behind by a process that is gone is taken over. */
  readonly onTakeOver?: (holder: RootLockHolder | null) => void;
  /**
   * Release the lock on SIGINT and SIGTERM, then die of the signal as without a handler. Off for
   * a command with handlers of its own (`watch` finishes the files in hand, then releases).
   */
  readonly releaseOnSignal: boolean;
}

/** A root held by this process. */
export interface RootLock {
  readonly file: string;
  readonly holder: RootLockHolder;
  /** Removes the lock file if it is still this process's; later calls do nothing. */
  release(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
/** A takeover guard older than this was left by a process killed while removing a stale lock. */
const TAKEOVER_GUARD_MS = 10_000;

const here: LockObserver = { hostname: hostname(), isRunning };

/** `<root>/claimflow.lock`. */
export function rootLockFile(root: string): string {
  return join(root, ROOT_LOCK_KEY);
}

/**
 * Takes `<root>/claimflow.lock` for this process: created atomically (`wx`), so of two writers
 * exactly one gets it. The other waits up to `waitMs` for it to go, then is refused with a
 * `RootLockedError` naming the holder. A lock whose holder ran on this host and is gone is taken
 * over. The lock goes when `release` is called, when the process exits, and (with
 * `releaseOnSignal`) on SIGINT and SIGTERM; a process killed outright leaves it for the next
 * writer to take over. A root that cannot be written is a `RootNotWritableError`.
 */
export async function acquireRootLock(root: string, options: RootLockOptions): Promise<RootLock> {
  const file = rootLockFile(root);
  const holder: RootLockHolder = {
    pid: process.pid,
    hostname: here.hostname,
    command: options.command,
    started_at: new Date().toISOString(),
  };
  const content = formatRootLockHolder(holder);
  const deadline = Date.now() + options.waitMs;
  let waiting = false;
  for (;;) {
    if (create(root, file, content)) return hold(file, holder, content, options.releaseOnSignal);
    const found = read(root, file);
    // Released between the create and the read: try again at once.
    if (!found) continue;
    if (judgeRootLock(found, here) === 'stale') {
      if (takeOver(root, file, found.text)) options.onTakeOver?.(found.holder);
      // Another process is taking it over: its lock, or none, is there in a moment.
      else await sleep(10);
      continue;
    }
    const left = deadline - Date.now();
    if (left <= 0) throw new RootLockedError(root, file, found.holder, options.waitMs / 1000);
    if (!waiting) {
      waiting = true;
      options.onWait?.(found.holder);
    }
    await sleep(Math.min(options.pollMs ?? 250, left));
  }
}

/** True when this process created `file` with `content`; false when it exists already. */
function create(root: string, file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return false;
    throw notWritable(root, error);
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (error) {
    // A lock without its holder (a full disk) must not stay behind to hold the root.
    closeSync(fd);
    rmSync(file, { force: true });
    throw notWritable(root, error);
  }
  closeSync(fd);
  return true;
}

/** The lock file in place and its content, or null when it is gone. */
function read(root: string, file: string): (FoundRootLock & { readonly text: string }) | null {
  try {
    const text = readFileSync(file, 'utf8');
    const ageMs = Date.now() - statSync(file).mtimeMs;
    return { text, holder: parseRootLockHolder(text), ageMs };
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return null;
    throw notWritable(root, error);
  }
}

/**
 * Removes a stale lock, under a guard file, so that two processes that both found it stale
 * cannot both remove it (the second would remove the first one's new lock). True when removed.
 */
function takeOver(root: string, file: string, staleText: string): boolean {
  const guard = join(root, ROOT_LOCK_TAKEOVER_KEY);
  if (!create(root, guard, `${process.pid}\n`)) {
    const guardAge = ageOf(guard);
    if (guardAge !== null && guardAge > TAKEOVER_GUARD_MS) rmSync(guard, { force: true });
    return false;
  }
  try {
    // Judged again under the guard: still the same lock, and still stale.
    const now = read(root, file);
    if (!now || now.text !== staleText || judgeRootLock(now, here) !== 'stale') return false;
    rmSync(file, { force: true });
    return true;
  } finally {
    rmSync(guard, { force: true });
  }
}

function hold(file: string, holder: RootLockHolder, content: string, releaseOnSignal: boolean): RootLock {
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    process.off('exit', release);
    for (const signal of SIGNALS) process.off(signal, onSignal);
    try {
      // Only this process's own lock: never one a later writer took over.
      if (readFileSync(file, 'utf8') === content) rmSync(file, { force: true });
    } catch {
      // Gone already.
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    release();
    // With no handler left, the signal now does what it did before: end the process.
    process.kill(process.pid, signal);
  };
  process.on('exit', release);
  if (releaseOnSignal) for (const signal of SIGNALS) process.on(signal, onSignal);
  return { file, holder, release };
}

function ageOf(file: string): number | null {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return codeOf(error) === 'EPERM';
  }
}

function codeOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** A file-system error that means the root cannot be written, as the error that says so. */
export function notWritable(root: string, error: unknown): unknown {
  const code = codeOf(error);
  return code && ROOT_NOT_WRITABLE_CODES.has(code) ? new RootNotWritableError(root, code, { cause: error }) : error;
}
