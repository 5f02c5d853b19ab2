import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { claimflow, publishedFingerprint, startClaimflow, tempDir } from '../support/cli.ts';

const RUN_DATE = ['--run-date', '2026-01-31'];
/** Stages logged by a job; each trial kills the process a random moment after one of them starts. */
const STAGES = ['archive', 'ingest', 'check', 'route', 'dedupe', 'publish'];
const TRIALS = 24;

describe('crash safety: SIGKILL at random points, then restart', () => {
  let dir: string;
  const files: string[] = [];
  let expected: Awaited<ReturnType<typeof publishedFingerprint>>;

  before(async () => {
    dir = await tempDir('crash');
    for (let seed = 1; seed <= 3; seed++) {
      const path = join(dir, `claims-${seed}.csv`);
      await writeClaimsFile(path, 4000, 'csv', { seed: 100 + seed, defectRate: 0.02, month: '2025-10' });
      files.push(path);
    }
    const reference = join(dir, 'reference');
    const run = await claimflow('run', ...files, '--root', reference, ...RUN_DATE);
    assert.equal(run.code, 0, run.stderr);
    expected = await publishedFingerprint(reference);
    assert.ok(expected.claims > 11_000);
  });

  it(`publishes exactly what an uninterrupted run does after each of ${TRIALS} kills`, async () => {
    const killedDuring: string[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const root = join(dir, `trial-${trial}`);
      const inbox = join(root, 'raw/claims');
      await mkdir(inbox, { recursive: true });
      for (const f of files) await copyFile(f, join(inbox, f.split('/').pop() as string));
      const args = ['--root', root, '--poll-ms', '50', '--settle-ms', '50', ...RUN_DATE];
      const watch = startClaimflow(['watch', ...args, '--verbose']);
      const stage = STAGES[trial % STAGES.length] as string;
      // The nth job of the trial reaching the stage, so kills also land after earlier jobs finished.
      const nth = 1 + (trial % files.length);
      const pattern = new RegExp(`("stage":"${stage}"[^\\n]*\\n[^]*){${nth}}`);
      const reached = await watch.waitFor(pattern, 30_000).then(
        () => true,
        () => false,
      );
      await sleep(Math.floor(Math.random() * 40));
      watch.child.kill('SIGKILL');
      await watch.exited;
      killedDuring.push(reached ? `${stage}#${nth}` : 'after-finish');

      const restart = await claimflow('watch', '--once', ...args);
      assert.equal(restart.code, 0, restart.stderr);
      assert.deepEqual(await publishedFingerprint(root), expected, `trial ${trial} killed during ${stage}`);
      assert.deepEqual(await readdir(inbox), [], `trial ${trial}: every delivery finished`);
    }
    // The kills really landed inside jobs, across the stages.
    assert.ok(killedDuring.filter((k) => k !== 'after-finish').length >= 20, killedDuring.join(', '));
  });
});
