import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type AuditEntry, HashChainedAuditLog } from './hash-chained-audit-log.ts';

const AT = new Date('2026-11-26T01:00:00Z');

async function writeLog(entries: number): Promise<{ log: HashChainedAuditLog; file: string }> {
  const root = mkdtempSync(join(tmpdir(), 'audit-'));
  const log = new HashChainedAuditLog(root);
  await Promise.all(
    Array.from({ length: entries }, (_, i) =>
      log.append(
        { action: 'write', object: `processed/claims/f${i}.parquet`, job_id: 'job-1', command: 'run', user: 'ana' },
        AT,
      ),
    ),
  );
  return { log, file: join(root, 'audit', 'audit.jsonl') };
}

const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').slice(0, -1);
const save = (file: string, all: string[]): void => writeFileSync(file, `${all.join('\n')}\n`);

test('concurrent appends form one intact chain in call order, readable only by the owner', async () => {
  const { log, file } = await writeLog(25);
  assert.deepEqual(log.verify(), []);
  assert.deepEqual(
    log.entries().map((e) => e.seq),
    Array.from({ length: 25 }, (_, i) => i + 1),
  );
  assert.equal(log.entries()[3]?.object, 'processed/claims/f3.parquet');
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('an edited entry is reported, and so is a re-hashed edit (the next link breaks)', async () => {
  const { log, file } = await writeLog(5);
  const all = lines(file);
  const edited = JSON.parse(all[2] ?? '') as AuditEntry;
  save(file, all.with(2, JSON.stringify({ ...edited, object: 'processed/claims/other.parquet' })));
  assert.deepEqual(
    log.verify().map((p) => [p.line, p.problem]),
    [[3, 'edited']],
  );
  // A forger who recomputes the entry's own hash still breaks the link from entry 4.
  const { hash: _, ...body } = { ...edited, user: 'mallory' };
  const canonical = JSON.stringify([
    body.seq,
    body.at,
    body.prev,
    body.action,
    body.object,
    body.job_id,
    body.command,
    body.user,
  ]);
  const rehashed = { ...body, hash: createHash('sha256').update(canonical).digest('hex') };
  save(file, all.with(2, JSON.stringify(rehashed)));
  assert.deepEqual(
    log.verify().map((p) => [p.line, p.problem]),
    [[4, 'broken_link']],
  );
});

test('a removed entry, reordered entries and a cut-off tail are each reported', async () => {
  const { log, file } = await writeLog(6);
  const all = lines(file);
  save(file, all.toSpliced(1, 1));
  assert.deepEqual(
    log.verify().map((p) => [p.line, p.problem]),
    [
      [2, 'removed_or_reordered'],
      [2, 'broken_link'],
    ],
  );
  save(file, [all[0], all[2], all[1], ...all.slice(3)] as string[]);
  assert.deepEqual(
    log.verify().map((p) => [p.line, p.problem]),
    [
      [2, 'removed_or_reordered'],
      [2, 'broken_link'],
      [3, 'removed_or_reordered'],
      [3, 'broken_link'],
      [4, 'removed_or_reordered'],
      [4, 'broken_link'],
    ],
  );
  save(file, all.slice(0, 4));
  assert.deepEqual(
    log.verify().map((p) => [p.line, p.problem]),
    [[4, 'truncated']],
  );
  save(file, all);
  assert.deepEqual(log.verify(), []);
});

test('a process killed mid-append leaves no false alarm: its lock, a lost head update and a cut line are recovered', async () => {
  const { log, file } = await writeLog(3);
  const dir = join(file, '..');
  const event = { action: 'read', object: 'raw/claims/a.csv', command: 'watch', user: 'ana' } as const;
  // Killed holding the lock: the lock names a process that no longer runs.
  const gone = spawnSync(process.execPath, ['-e', '']).pid;
  writeFileSync(join(dir, 'lock'), String(gone));
  await log.append(event, AT);
  // Killed between creating the lock and writing its pid into it: an empty, old lock.
  writeFileSync(join(dir, 'lock'), '');
  const old = new Date(Date.now() - 5000);
  utimesSync(join(dir, 'lock'), old, old);
  await log.append(event, AT);
  // Killed after writing an entry, before moving the head.
  const head = readFileSync(join(dir, 'head'), 'utf8');
  await log.append(event, AT);
  writeFileSync(join(dir, 'head'), head);
  await log.append(event, AT);
  // Killed in the middle of writing a line.
  appendFileSync(file, '{"seq":8,"at":"2026-11-');
  await log.append(event, AT);
  assert.deepEqual(log.verify(), []);
  assert.deepEqual(
    log.entries().map((e) => e.seq),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
});
