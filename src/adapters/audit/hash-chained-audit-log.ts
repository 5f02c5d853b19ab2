import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { appendFile, chmod, open, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { ClaimflowError } from '../../domain/errors.ts';
import { makePrivateDir, PRIVATE_FILE_MODE } from '../local-store/private-dir.ts';

/** Who touched which claim data, how. Identifiers only: never a claim value. */
export interface AuditEvent {
  readonly action: 'read' | 'write' | 'delete' | 'decrypt';
  /** The object or file touched: a store key or a file name. */
  readonly object: string;
  readonly job_id?: string;
  readonly command: string;
  readonly user: string;
}

export interface AuditEntry extends AuditEvent {
  readonly seq: number;
  readonly at: string;
  /** Hash of the previous entry ('' for the first): an edit, removal or swap breaks the chain. */
  readonly prev: string;
  readonly hash: string;
}

/** A line of the log, checked for shape before its hash is: a tampered line may be any JSON. */
const auditEntrySchema = z.strictObject({
  seq: z.number(),
  at: z.string(),
  prev: z.string(),
  action: z.enum(['read', 'write', 'delete', 'decrypt']),
  object: z.string(),
  job_id: z.string().optional(),
  command: z.string(),
  user: z.string(),
  hash: z.string(),
});
const headSchema = z.object({ seq: z.number(), hash: z.string() });

export interface AuditProblem {
  /** 1-based line of audit.jsonl. */
  readonly line: number;
  readonly problem: 'edited' | 'removed_or_reordered' | 'broken_link' | 'unreadable' | 'truncated';
  readonly detail: string;
}

export class AuditLockError extends ClaimflowError {
  readonly code = 'audit_lock';
  constructor(readonly lockPath: string) {
    super(`audit log is locked by another process (${lockPath}); remove the file if no claimflow process is running`);
  }
}

const LOCK_ATTEMPTS = 200;
const LOCK_WAIT_MS = 25;
/** An empty lock file older than this was left by a process killed while taking the lock. */
const UNWRITTEN_LOCK_MS = 2000;
/** Bytes read from the end of the log to find its last entry (an entry is well under 8 KiB). */
const TAIL_BYTES = 64 * 1024;

function hashOf(entry: Omit<AuditEntry, 'hash'>): string {
  // Fixed key order, so the hash does not depend on how an entry was serialised.
  const canonical = JSON.stringify([
    entry.seq,
    entry.at,
    entry.prev,
    entry.action,
    entry.object,
    entry.job_id ?? null,
    entry.command,
    entry.user,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

const matchesHash = ({ hash, ...rest }: AuditEntry): boolean => hashOf(rest) === hash;

/**
 * An append-only, hash-chained log of every read and write of claim data in
 * `<root>/audit/audit.jsonl`. `head` holds the last sequence number and hash, so removing the
 * newest entries is detected too. Appends from several processes are serialised by a lock file
 * holding the writer's pid; a lock left by a killed process is taken over.
 */
export class HashChainedAuditLog {
  private readonly dir: string;
  /** `<root>/audit/audit.jsonl`. */
  readonly file: string;
  private readonly head: string;
  private readonly lock: string;
  private queue: Promise<void> = Promise.resolve();

  constructor(root: string) {
    this.dir = join(root, 'audit');
    this.file = join(this.dir, 'audit.jsonl');
    this.head = join(this.dir, 'head');
    this.lock = join(this.dir, 'lock');
  }

  /** Appends one entry; concurrent calls in this process are chained in call order. */
  append(event: AuditEvent, at: Date): Promise<AuditEntry> {
    const appended = this.queue.then(() => this.appendLocked(event, at));
    this.queue = appended.then(
      () => undefined,
      () => undefined,
    );
    return appended;
  }

  /** Every problem in the chain, in line order; empty when the log is intact. */
  verify(): AuditProblem[] {
    const problems: AuditProblem[] = [];
    const lines = existsSync(this.file) ? readFileSync(this.file, 'utf8').split('\n').slice(0, -1) : [];
    let prevHash = '';
    let expectedSeq = 1;
    lines.forEach((text, index) => {
      const line = index + 1;
      const entry = parseEntry(text);
      if (!entry) {
        problems.push({ line, problem: 'unreadable', detail: 'not an audit entry' });
        return;
      }
      if (!matchesHash(entry))
        problems.push({ line, problem: 'edited', detail: `entry ${entry.seq} does not match its hash` });
      if (entry.seq !== expectedSeq) {
        problems.push({
          line,
          problem: 'removed_or_reordered',
          detail: `expected entry ${expectedSeq}, found entry ${entry.seq}`,
        });
      }
      if (entry.prev !== prevHash) {
        problems.push({
          line,
          problem: 'broken_link',
          detail: `entry ${entry.seq} does not follow the entry before it`,
        });
      }
      prevHash = entry.hash;
      expectedSeq = entry.seq + 1;
    });
    let head: { seq: number; hash: string } | null;
    try {
      head = this.readHead();
    } catch {
      problems.push({ line: lines.length, problem: 'unreadable', detail: 'the head file is not readable' });
      return problems;
    }
    if (head && (head.seq !== expectedSeq - 1 || head.hash !== prevHash)) {
      problems.push({
        line: lines.length,
        problem: 'truncated',
        detail: `the log ends at entry ${expectedSeq - 1}, but entry ${head.seq} was the last one written`,
      });
    }
    return problems;
  }

  /** The entries that parse, in line order. */
  entries(): AuditEntry[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .map(parseEntry)
      .filter((e) => e !== null);
  }

  private async appendLocked(event: AuditEvent, at: Date): Promise<AuditEntry> {
    await makePrivateDir(this.dir);
    await this.acquire();
    try {
      const last = await this.lastWritten();
      const body = {
        seq: last.seq + 1,
        at: at.toISOString(),
        prev: last.hash,
        action: event.action,
        object: event.object,
        ...(event.job_id ? { job_id: event.job_id } : {}),
        command: event.command,
        user: event.user,
      };
      const entry: AuditEntry = { ...body, hash: hashOf(body) };
      const created = !existsSync(this.file);
      await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: PRIVATE_FILE_MODE });
      // The create mode passes through the umask; chmod makes it exact.
      if (created) await chmod(this.file, PRIVATE_FILE_MODE);
      const temp = `${this.head}.${process.pid}`;
      writeFileSync(temp, JSON.stringify({ seq: entry.seq, hash: entry.hash }), { mode: PRIVATE_FILE_MODE });
      await chmod(temp, PRIVATE_FILE_MODE);
      renameSync(temp, this.head);
      return entry;
    } finally {
      rmSync(this.lock, { force: true });
    }
  }

  private readHead(): { seq: number; hash: string } | null {
    if (!existsSync(this.head)) return null;
    return headSchema.parse(JSON.parse(readFileSync(this.head, 'utf8')));
  }

  /**
   * The last entry written: the head, unless a process was killed between writing an entry and
   * the head, in which case that entry (the head's successor) is. A line cut short is removed.
   */
  private async lastWritten(): Promise<{ seq: number; hash: string }> {
    const head = this.readHead() ?? { seq: 0, hash: '' };
    if (!existsSync(this.file)) return head;
    // Read-only, so the log may be append-only on disk (chattr +a); only a cut line needs a write.
    const handle = await open(this.file, 'r');
    let start: number;
    let tail: Buffer;
    try {
      const { size } = await handle.stat();
      start = Math.max(0, size - TAIL_BYTES);
      tail = Buffer.alloc(size - start);
      await handle.read(tail, 0, tail.length, start);
    } finally {
      await handle.close();
    }
    const end = tail.lastIndexOf(0x0a) + 1;
    if (end < tail.length && (end > 0 || start === 0)) await truncate(this.file, start + end);
    const last = parseEntry(tail.subarray(0, end).toString('utf8').split('\n').at(-2) ?? '');
    const successor = last && last.seq === head.seq + 1 && last.prev === head.hash && matchesHash(last);
    return successor ? last : head;
  }

  private async acquire(): Promise<void> {
    for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
      try {
        writeFileSync(this.lock, String(process.pid), { flag: 'wx', mode: PRIVATE_FILE_MODE });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (!this.removeStaleLock()) await sleep(LOCK_WAIT_MS);
      }
    }
    throw new AuditLockError(this.lock);
  }

  /** Removes the lock when the process that holds it is gone; true when it did. */
  private removeStaleLock(): boolean {
    let holder: number;
    let age: number;
    try {
      holder = Number(readFileSync(this.lock, 'utf8'));
      age = Date.now() - statSync(this.lock).mtimeMs;
    } catch {
      return false;
    }
    // Empty while its holder is between creating and writing it, which takes microseconds:
    // an empty lock that old was left by a process killed in between.
    const written = Number.isInteger(holder) && holder > 0;
    if (written ? isRunning(holder) : age < UNWRITTEN_LOCK_MS) return false;
    rmSync(this.lock, { force: true });
    return true;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseEntry(text: string): AuditEntry | null {
  try {
    const parsed = auditEntrySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
