/**
 * One writer per root (issue 18, finding 8): what the root's lock file holds, and when a lock
 * that is there may be taken over. The file itself is `ROOT_LOCK_KEY` of the store layout; the
 * adapter that creates and removes it is `src/adapters/local-store/root-lock.ts`.
 */

/** Who holds a root: enough to tell whether it still runs, and for the user to find it. */
export interface RootLockHolder {
  readonly pid: number;
  readonly hostname: string;
  /** The claimflow command holding it: `run`, `validate`, `watch`, `dlq replay`. */
  readonly command: string;
  /** ISO time the holder took the lock. */
  readonly started_at: string;
}

/**
 * A lock file whose content cannot be read yet younger than this is being written by its
 * creator (which takes microseconds); one that old was left by a process killed in between.
 */
export const UNWRITTEN_LOCK_MS = 5_000;

/** The lock file's content: one JSON line. */
export function formatRootLockHolder(holder: RootLockHolder): string {
  return `${JSON.stringify({
    pid: holder.pid,
    hostname: holder.hostname,
    command: holder.command,
    started_at: holder.started_at,
  })}\n`;
}

/** The holder a lock file names, or null when its content is not (yet) a holder. */
export function parseRootLockHolder(text: string): RootLockHolder | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { pid, hostname, command, started_at } = value as Record<string, unknown>;
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0) return null;
  if (typeof hostname !== 'string' || typeof command !== 'string' || typeof started_at !== 'string') return null;
  return { pid: pid as number, hostname, command, started_at };
}

/** What is known of a lock file found in place. */
export interface FoundRootLock {
  readonly holder: RootLockHolder | null;
  /** Since the file was last modified. */
  readonly ageMs: number;
}

/** This process's view: its host, and whether a pid runs on it. */
export interface LockObserver {
  readonly hostname: string;
  isRunning(pid: number): boolean;
}

/**
 * `stale` when the lock may be taken over: its holder ran on this host and is gone, or it was
 * never written and is old. A holder on another host (a root on a shared file system) cannot be
 * checked from here, so its lock is held until it is released or removed by hand.
 */
export function judgeRootLock(found: FoundRootLock, here: LockObserver): 'held' | 'stale' {
  const { holder } = found;
  if (!holder) return found.ageMs >= UNWRITTEN_LOCK_MS ? 'stale' : 'held';
  if (holder.hostname !== here.hostname) return 'held';
  return here.isRunning(holder.pid) ? 'held' : 'stale';
}

/** `claimflow run (pid 4242 on host-1, since 2026-01-31T10:20:30.000Z)`, or what is known of it. */
export function describeRootLockHolder(holder: RootLockHolder | null): string {
  if (!holder) return 'another claimflow command (its lock file is still being written)';
  return `claimflow ${holder.command} (pid ${holder.pid} on ${holder.hostname}, since ${holder.started_at})`;
}
