import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { claimflow, linesByFile, publishedFingerprint, startClaimflow, tempDir } from '../support/cli.ts';

const RUN_DATE = ['--run-date', '2026-01-31'];

type Event = {
  event_type: string;
  job_id?: string;
  status?: string;
  input_file?: string;
  error_type?: string;
  context?: { file: string; job_id?: string };
};

async function readEvents(root: string): Promise<Event[]> {
  const dir = join(root, 'events');
  const files = (await readdir(dir).catch(() => [] as string[])).sort();
  const text = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Event);
}

async function until(check: () => Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(200);
  }
}

describe('claimflow watch', () => {
  let dir: string;
  const good: string[] = [];

  before(async () => {
    dir = await tempDir('watch');
    await mkdir(join(dir, 'files'));
    for (let seed = 1; seed <= 16; seed++) {
      const path = join(dir, 'files', `claims-${String(seed).padStart(2, '0')}.csv`);
      await writeClaimsFile(path, 600, 'csv', { seed, defectRate: 0.02, month: '2025-10' });
      good.push(path);
    }
  });

  it('processes 20 deliveries like one run of the good files: duplicates skipped, corrupt quarantined, events in order', async () => {
    const reference = join(dir, 'reference');
    const run = await claimflow('run', ...good, '--root', reference, ...RUN_DATE);
    assert.equal(run.code, 0, run.stderr);

    const root = join(dir, 'watched');
    const inbox = join(root, 'raw/claims');
    await mkdir(inbox, { recursive: true });
    const watch = startClaimflow([
      'watch',
      '--root',
      root,
      '--poll-ms',
      '100',
      '--settle-ms',
      '600',
      '--concurrency',
      '3',
      ...RUN_DATE,
    ]);
    await watch.waitFor(/watching/);
    // 15 good files, 3 copies of good files under other names, 1 corrupt file, 1 written slowly.
    const slow = good.at(-1) as string;
    for (const file of good.slice(0, -1)) await copyFile(file, join(inbox, file.split('/').pop() as string));
    for (const file of good.slice(0, 3)) await copyFile(file, join(inbox, `resent-${file.split('/').pop()}`));
    await writeFile(join(inbox, 'corrupt.csv'), randomBytes(20_000));
    const bytes = await readFile(slow);
    const handle = await open(join(inbox, slow.split('/').pop() as string), 'w');
    for (let i = 0; i < 10; i++) {
      await handle.write(bytes.subarray((i * bytes.length) / 10, ((i + 1) * bytes.length) / 10));
      await sleep(150);
    }
    await handle.close();

    await until(async () => {
      const events = await readEvents(root);
      const finished = events.filter((e) => e.event_type === 'job_status_update' && e.status !== 'STARTED').length;
      return finished === 17 && events.filter((e) => e.event_type === 'delivery_skipped').length === 3;
    }, '17 jobs finished and 3 deliveries skipped');
    watch.child.kill('SIGTERM');
    assert.equal(await watch.exited, 0, watch.stderr());

    assert.deepEqual(await publishedFingerprint(root), await publishedFingerprint(reference));
    assert.deepEqual(await readdir(inbox), [], 'the inbox is emptied');

    const events = await readEvents(root);
    const skipped = events.filter((e) => e.event_type === 'delivery_skipped').map((e) => e.input_file);
    assert.equal(skipped.length, 3);
    const errors = events.filter((e) => e.event_type === 'error');
    assert.deepEqual(
      errors.map((e) => [e.context?.file, e.error_type]),
      [['corrupt.csv', 'data_quality']],
    );
    const corruptJob = errors[0]?.context?.job_id ?? '';
    assert.ok((await readdir(join(root, 'quarantine/files', corruptJob))).includes('corrupt.csv'));

    const byJob = new Map<string, string[]>();
    for (const e of events) {
      // Alerts (one per job) are raised concurrently with the job's last events, so their place varies.
      if (!e.job_id || e.event_type === 'alert') continue;
      byJob.set(e.job_id, [
        ...(byJob.get(e.job_id) ?? []),
        e.event_type === 'job_status_update' ? (e.status ?? '') : e.event_type,
      ]);
    }
    assert.equal(byJob.size, 17);
    const [oneJob] = byJob.keys();
    const followed = await claimflow('events', '--root', root, '--job', oneJob as string);
    assert.equal(followed.stdout.trim().split('\n').length, 4, 'events --job prints that job only (3 events, 1 alert)');
    for (const [job, sequence] of byJob) {
      const expected =
        job === corruptJob ? ['STARTED', 'validation_output', 'FAILED'] : ['STARTED', 'validation_output', 'SUCCEEDED'];
      assert.deepEqual(sequence, expected, job);
    }
  });

  it('processes an inbox file named with glob characters as itself, beside a file its name would match', async () => {
    const root = join(dir, 'globbed');
    const inbox = join(root, 'raw/claims');
    await mkdir(inbox, { recursive: true });
    await writeClaimsFile(join(inbox, 'feed*.csv'), 200, 'csv', { seed: 3, defectRate: 0, month: '2025-10' });
    await writeClaimsFile(join(inbox, 'feedA.csv'), 500, 'csv', { seed: 4, defectRate: 0, month: '2025-10' });
    for (const name of await readdir(inbox)) if (name.endsWith('.expected')) await rm(join(inbox, name));
    const watch = startClaimflow(['watch', '--once', '--settle-ms', '50', '--root', root, ...RUN_DATE]);
    assert.equal(await watch.exited, 0, watch.stderr());
    assert.deepEqual(await readdir(inbox), [], 'both inbox copies processed and removed');
    // Each file's own rows (a clean generated file publishes every row), none of the other's.
    assert.deepEqual(await linesByFile(root), [
      { file_name: 'feed*.csv', n: 200 },
      { file_name: 'feedA.csv', n: 500 },
    ]);
  });

  it('retries a transient store fault, dead-letters it, and replays it once the fault is gone', async () => {
    const root = join(dir, 'faulty');
    await mkdir(join(root, 'raw/claims'), { recursive: true });
    await copyFile(good[0] as string, join(root, 'raw/claims/claims-01.csv'));
    const args = ['--root', root, '--max-attempts', '3', '--retry-base-ms', '20', ...RUN_DATE];
    const faulty = startClaimflow(['watch', '--once', '--settle-ms', '50', ...args], { CLAIMFLOW_FAULTS: 'publish' });
    // The file was dead-lettered: --once says so with exit 3 (a system error), as run does.
    assert.equal(await faulty.exited, 3, faulty.stderr());

    const listed = await claimflow('dlq', 'list', '--root', root, '--json');
    const letters = JSON.parse(listed.stdout) as Array<{
      id: string;
      handler: string;
      errors: Array<{ attempt: number; error_type: string; message: string }>;
    }>;
    assert.equal(letters.length, 1);
    assert.equal(letters[0]?.handler, 'etl');
    assert.deepEqual(
      letters[0]?.errors.map((e) => [e.attempt, e.error_type]),
      [
        [1, 'transient'],
        [2, 'transient'],
        [3, 'transient'],
      ],
    );
    assert.match(letters[0]?.errors[0]?.message ?? '', /injected fault: object store publish unavailable/);
    const failed = (await readEvents(root)).filter((e) => e.event_type === 'error');
    assert.equal(failed[0]?.error_type, 'transient');

    const replay = await claimflow('dlq', 'replay', '--all', ...args);
    assert.equal(replay.code, 0, replay.stderr);
    assert.match(replay.stdout, /replayed 1, 1 succeeded/);
    assert.equal(JSON.parse((await claimflow('dlq', 'list', '--root', root, '--json')).stdout).length, 0);
    const statuses = (await readEvents(root)).filter((e) => e.event_type === 'job_status_update').map((e) => e.status);
    assert.deepEqual(statuses, ['STARTED', 'FAILED', 'SUCCEEDED']);
    const reference = join(dir, 'single');
    await claimflow('run', good[0] as string, '--root', reference, ...RUN_DATE);
    assert.deepEqual(await publishedFingerprint(root), await publishedFingerprint(reference));
  });

  it('stops gracefully on SIGTERM: the file in hand is finished, then the process exits 0', async () => {
    const root = join(dir, 'graceful');
    await mkdir(join(root, 'raw/claims'), { recursive: true });
    const watch = startClaimflow([
      'watch',
      '--root',
      root,
      '--settle-ms',
      '50',
      '--poll-ms',
      '50',
      '--verbose',
      ...RUN_DATE,
    ]);
    await watch.waitFor(/watching/);
    await copyFile(good[1] as string, join(root, 'raw/claims/claims-02.csv'));
    await watch.waitFor(/"stage":"check"/);
    watch.child.kill('SIGTERM');
    assert.equal(await watch.exited, 0, watch.stderr());
    const statuses = (await readEvents(root)).filter((e) => e.event_type === 'job_status_update').map((e) => e.status);
    assert.deepEqual(statuses, ['STARTED', 'SUCCEEDED']);
    assert.deepEqual(await readdir(join(root, 'raw/claims')), []);
  });
});
