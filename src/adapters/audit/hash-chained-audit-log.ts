import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClaimflowError } from '../../domain/errors.ts';

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

/**
 * An append-only, hash-chained log of every read and write of claim data in
 * `<root>/audit/audit.jsonl`. `head` holds the last sequence number and hash, so removing the
 * newest entries is detected too. Appends from several processes are serialised by a lock file.
 */
export class HashChainedAuditLog {
  private readonly dir: string;
  private readonly file: string;
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
      let entry: AuditEntry;
      try {
        entry = JSON.parse(text) as AuditEntry;
      } catch {
        problems.push({ line, problem: 'unreadable', detail: 'not a JSON entry' });
        return;
      }
      const { hash, ...rest } = entry;
      if (hashOf(rest) !== hash)
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
      prevHash = hash;
      expectedSeq = entry.seq + 1;
    });
    const head = this.readHead();
    if (head && (head.seq !== expectedSeq - 1 || head.hash !== prevHash)) {
      problems.push({
        line: lines.length,
        problem: 'truncated',
        detail: `the log ends at entry ${expectedSeq - 1}, but entry ${head.seq} was the last one written`,
      });
    }
    return problems;
  }

  entries(): AuditEntry[] {
    if (!existsSync(this.file)) return [];
    return readFileSync(this.file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as AuditEntry);
  }

  private async appendLocked(event: AuditEvent, at: Date): Promise<AuditEntry> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    await this.acquire();
    try {
      const last = this.readHead() ?? { seq: 0, hash: '' };
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
      await appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
      const temp = `${this.head}.${process.pid}`;
      writeFileSync(temp, JSON.stringify({ seq: entry.seq, hash: entry.hash }), { mode: 0o600 });
      renameSync(temp, this.head);
      return entry;
    } finally {
      rmSync(this.lock, { force: true });
    }
  }

  private readHead(): { seq: number; hash: string } | null {
    if (!existsSync(this.head)) return null;
    return JSON.parse(readFileSync(this.head, 'utf8')) as { seq: number; hash: string };
  }

  private async acquire(): Promise<void> {
    for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
      try {
        closeSync(openSync(this.lock, 'wx', 0o600));
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        await sleep(LOCK_WAIT_MS);
      }
    }
    throw new AuditLockError(this.lock);
  }
}
