import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { ROOT_LOCK_KEY } from '../../src/domain/store-layout.ts';
import {
  type CliResult,
  claimflow,
  claimflowAs,
  lit,
  readExpectations,
  sql,
  startClaimflow,
  tempDir,
  warehouseLineCount,
} from '../support/cli.ts';

/**
 * One writer per root (issue 18, finding 8). Two `run`s into one root used to publish side by
 * side and fail in 3 of 13 trials (the warehouse's lock, a scratch folder the other removed),
 * once leaving a month's aggregates 1,968 lines short; a read-only root said
 * `EACCES ... [redacted]`. Every process here is a real CLI, and every count is read back from the
 * root's files by a second reader (DuckDB over the Parquet, and the `query` command).
 */

const RUN_DATE = ['--run-date', '2026-01-31'];
const ROWS = 20_000;
type Started = ReturnType<typeof startClaimflow>;

describe('one writer per root', () => {
  let dir: string | undefined;
  /** The files of the long run (4 × 20,000 lines, one job each), which holds the root for seconds. */
  const long: string[] = [];
  let other = '';
  /** Lines each file publishes, from its generator's sidecar: rows less planted defects and duplicates. */
  const published = new Map<string, number>();
  const children: Started[] = [];

  before(async () => {
    dir = await tempDir('root-lock');
    // Readable to the unprivileged account the read-only test runs the CLI as.
    await chmod(dir, 0o755);
    for (let seed = 1; seed <= 5; seed++) {
      const file = join(dir, `claims-${seed}.csv`);
      await writeClaimsFile(file, ROWS, 'csv', { seed, defectRate: 0.02, month: '2025-10' });
      const expected = await readExpectations(file);
      published.set(file, ROWS - expected.filter((e) => e.outcome !== 'warn').length);
      if (seed <= 4) long.push(file);
      else other = file;
    }
  });

  after(async () => {
    for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Starts the long run into `root` and resolves once its first job has started (it then holds the root). */
  async function startLongRun(root: string, ...extra: string[]): Promise<Started> {
    const started = startClaimflow(['run', ...long, '--root', root, '--verbose', ...RUN_DATE, ...extra]);
    children.push(started);
    await started.waitFor(/"message":"job started"/, 120_000);
    return started;
  }

  /** What the root holds, read back from its files. */
  async function readBack(root: string) {
    const claims = lit(join(root, 'processed/claims/*/*/*.parquet'));
    const byMonth = await sql(
      `SELECT regexp_replace(filename, '.*/year=(\\d{4})/month=(\\d{2})/.*', '\\1-\\2') AS month, COUNT(*) AS lines
       FROM read_parquet(${claims}, filename = true) GROUP BY 1 ORDER BY 1`,
    );
    const aggregate = async (name: string) =>
      (
        await sql(
          `SELECT regexp_extract(filename, '(\\d{4}-\\d{2})\\.parquet$', 1) AS month, SUM(line_count) AS lines
           FROM read_parquet(${lit(join(root, 'processed/aggregations', name, '*.parquet'))}, filename = true) GROUP BY 1 ORDER BY 1`,
        )
      ).map((r) => ({ month: String(r.month), lines: Number(r.lines) }));
    return {
      byMonth: byMonth.map((r) => ({ month: String(r.month), lines: Number(r.lines) })),
      total: byMonth.reduce((sum, r) => sum + Number(r.lines), 0),
      byPayer: await aggregate('monthly_by_payer_claim_type'),
      byProvider: await aggregate('monthly_by_rendering_provider'),
      warehouse: await warehouseLineCount(root),
    };
  }

  const sum = (files: readonly string[]): number => files.reduce((n, f) => n + (published.get(f) ?? 0), 0);

  it('refuses a second run while the first writes the root (exit 4, naming the root, pid and command), and the first publishes exactly', async () => {
    const root = join(dir as string, 'refused');
    const first = await startLongRun(root);
    const second = await claimflow('run', other, '--root', root, ...RUN_DATE);
    // Had the first run finished before the second looked, there would be nothing to refuse.
    const overlapped = first.child.exitCode === null;
    const firstCode = await first.exited;

    assert.equal(
      second.code,
      4,
      `the second run is refused; it exited ${second.code} (first run still running then: ${overlapped}):\n${second.stderr}`,
    );
    assert.match(
      second.stderr,
      new RegExp(
        `^claimflow: root ${escapeRegExp(root)} is in use by claimflow run \\(pid ${first.child.pid} on ${escapeRegExp(hostname())}, since [0-9T:.-]+Z\\); only one command writes a root at a time\\. Run again when it has finished, or pass --wait-lock <seconds> to wait for it`,
      ),
    );
    assert.equal(second.stdout, '', 'the refused run printed no summary');
    assert.equal(firstCode, 0, first.stderr());
    assert.equal(existsSync(join(root, ROOT_LOCK_KEY)), false, 'the lock went with the first run');

    const seen = await readBack(root);
    assert.equal(seen.total, sum(long), 'every line of the first run, none of the refused one');
    assert.deepEqual(seen.byPayer, seen.byMonth, 'monthly_by_payer_claim_type adds up to the published lines');
    assert.deepEqual(seen.byProvider, seen.byMonth, 'monthly_by_rendering_provider adds up to the published lines');
    assert.equal(seen.warehouse, sum(long), 'the warehouse view counts the same');
    const reports = (await readdir(join(root, 'validation-reports'))).filter((f) => f.endsWith('.json'));
    assert.equal(reports.length, long.length, 'the refused run wrote no report');
  });

  it('lets a second run with --wait-lock wait for the first, then publishes both exactly', async () => {
    const root = join(dir as string, 'waited');
    const first = await startLongRun(root);
    const second = await claimflow('run', other, '--root', root, '--wait-lock', '600', ...RUN_DATE);
    assert.equal(await first.exited, 0, first.stderr());
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stderr,
      new RegExp(
        `root ${escapeRegExp(root)} is in use by claimflow run \\(pid ${first.child.pid} .*\\); waiting up to 600s`,
      ),
    );

    const seen = await readBack(root);
    assert.equal(seen.total, sum([...long, other]), 'every line of both runs, none lost or doubled');
    assert.deepEqual(seen.byMonth, [{ month: '2025-10', lines: sum([...long, other]) }]);
    assert.deepEqual(seen.byPayer, seen.byMonth, 'monthly_by_payer_claim_type adds up to both runs');
    assert.deepEqual(seen.byProvider, seen.byMonth, 'monthly_by_rendering_provider adds up to both runs');
    assert.equal(seen.warehouse, sum([...long, other]));
  });

  it('refuses `watch` on a root a run is writing, and gives up a --wait-lock that runs out', async () => {
    const root = join(dir as string, 'watched');
    const first = await startLongRun(root);
    const [watch, waited] = await Promise.all([
      claimflow('watch', '--once', '--root', root, '--settle-ms', '0', ...RUN_DATE),
      claimflow('validate', other, '--root', root, '--wait-lock', '1', ...RUN_DATE),
    ]);
    assert.equal(await first.exited, 0, first.stderr());

    assert.equal(watch.code, 4, watch.stderr);
    assert.match(watch.stderr, /is in use by claimflow run \(pid \d+ /);
    assert.equal(waited.code, 4, waited.stderr);
    assert.match(
      waited.stderr,
      /waiting up to 1s\n.*is in use by claimflow run \(pid \d+ .*, still after waiting 1s;/s,
    );
    const seen = await readBack(root);
    assert.equal(seen.total, sum(long), 'the refused watch removed none of the run’s scratch (it used to)');
    assert.deepEqual(seen.byPayer, seen.byMonth);
  });

  it('takes over a lock whose holder is gone, saying so, and refuses one held on another host', async () => {
    const root = join(dir as string, 'stale');
    await mkdir(root);
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    const lock = join(root, ROOT_LOCK_KEY);
    const staleHolder = { pid: gone, hostname: hostname(), command: 'run', started_at: '2026-01-31T10:00:00.000Z' };
    await writeFile(lock, `${JSON.stringify(staleHolder)}\n`);

    const taken = await claimflow('run', other, '--root', root, ...RUN_DATE);
    assert.equal(taken.code, 0, taken.stderr);
    assert.match(
      taken.stderr,
      new RegExp(
        `^claimflow: took over the lock of root ${escapeRegExp(root)}: claimflow run \\(pid ${gone} on ${escapeRegExp(hostname())}, since 2026-01-31T10:00:00.000Z\\) is no longer running$`,
        'm',
      ),
    );
    assert.equal(existsSync(lock), false, 'released at the end');
    assert.equal((await readBack(root)).total, sum([other]));

    const elsewhere = { ...staleHolder, pid: process.pid, hostname: `not-${hostname()}` };
    await writeFile(lock, `${JSON.stringify(elsewhere)}\n`);
    const refused = await claimflow('run', other, '--root', root, ...RUN_DATE);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(`on not-${escapeRegExp(hostname())},.*remove ${escapeRegExp(lock)}\\)\\n$`, 's'),
    );
    assert.deepEqual(JSON.parse(await readFile(lock, 'utf8')), elsewhere, 'another host’s lock is left alone');
  });

  it('releases the lock when a run is stopped with SIGTERM', async () => {
    const root = join(dir as string, 'stopped');
    const run = await startLongRun(root);
    const lock = join(root, ROOT_LOCK_KEY);
    const holder = JSON.parse(await readFile(lock, 'utf8').catch(() => '{}')) as { pid?: number; command?: string };
    assert.deepEqual([holder.pid, holder.command], [run.child.pid, 'run'], 'the running run holds the root');
    const closed = once(run.child, 'close');
    run.child.kill('SIGTERM');
    const [code, signal] = (await closed) as [number | null, string | null];
    assert.deepEqual([code, signal], [null, 'SIGTERM'], 'it still dies of the signal');
    assert.equal(existsSync(lock), false, 'and leaves no lock behind');
    const next = await claimflow('run', other, '--root', root, ...RUN_DATE);
    assert.equal(next.code, 0, next.stderr);
    assert.doesNotMatch(next.stderr, /took over/);
  });

  describe('a root that cannot be written', () => {
    /**
     * chmod does not stop root, so when the tests run as root the CLI is run as `nobody` (65534),
     * to whom a 0555 folder of root's really is read-only (EACCES from the kernel); otherwise as
     * this user, with the folder chmod-ed 0555.
     */
    const asRoot = process.getuid?.() === 0;
    const nobody = { uid: 65_534, gid: 65_534 };
    const cli = (...args: string[]): Promise<CliResult> => (asRoot ? claimflowAs(nobody, ...args) : claimflow(...args));
    const made: string[] = [];

    after(async () => {
      for (const folder of made) await chmod(folder, 0o755).catch(() => undefined);
    });

    it('says a read-only root is not writable, naming it in full, and writes nothing (exit 1)', async (t) => {
      if (asRoot && spawnSync(process.execPath, ['-e', ''], nobody).status !== 0)
        return t.skip('running as root, and cannot start node as uid 65534 to meet a read-only folder');
      const root = join(dir as string, 'read-only');
      await mkdir(root);
      await chmod(root, 0o555);
      made.push(root);
      const result = await cli('run', other, '--root', root, ...RUN_DATE);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(
        result.stderr,
        `claimflow: root ${root} is not writable by this user (permission denied): give a --root you can write to, or change its permissions\n`,
      );
      assert.deepEqual(await readdir(root), []);

      // A root still to be made, in a folder that is read-only.
      const inside = join(root, 'new-root');
      const nested = await cli('watch', '--once', '--root', inside, ...RUN_DATE);
      assert.equal(nested.code, 1, nested.stderr);
      assert.match(nested.stderr, new RegExp(`^claimflow: root ${escapeRegExp(inside)} is not writable by this user`));
    });

    it('says a root that a file stands in the way of is not a folder (exit 1)', async () => {
      const root = join(other, 'root');
      const result = await claimflow('run', other, '--root', root, ...RUN_DATE);
      assert.equal(result.code, 1, result.stderr);
      assert.equal(
        result.stderr,
        `claimflow: root ${root} is not a folder (a file stands on its path): give a --root that is a folder, or a path that does not exist yet\n`,
      );
    });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
