import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { claimflow, runNode, tempDir } from '../support/cli.ts';

const RUN_DATE = ['--run-date', '2026-01-31'];
const ONCE = ['--once', '--settle-ms', '0', '--poll-ms', '50', ...RUN_DATE];

/** Every record of the root's event log. */
async function events(root: string): Promise<Array<Record<string, unknown>>> {
  const dir = join(root, 'events');
  const files = await readdir(dir).catch(() => [] as string[]);
  const text = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('claimflow watch: a signal per file for cron and Airflow', () => {
  let dir: string;
  let good: string;

  before(async () => {
    dir = await tempDir('watch-output');
    good = join(dir, 'good.csv');
    await writeClaimsFile(good, 300, 'csv', { seed: 5, defectRate: 0, month: '2025-10' });
  });

  it('creates a missing inbox and says it processed nothing', async () => {
    const root = join(dir, 'fresh');
    const result = await claimflow('watch', '--root', root, ...ONCE);
    assert.equal(result.code, 0, result.stderr);
    assert.ok((await stat(join(root, 'raw/claims'))).isDirectory(), 'the inbox was created');
    assert.match(result.stdout, /Done\. PASS=0 WARN=0 FAIL=0 ERROR=0 SKIP=0 TOTAL=0/);
  });

  it('prints one line per file and a summary, exits 2 on a rejected file, skips a readme without an alert', async () => {
    const root = join(dir, 'mixed');
    const inbox = join(root, 'raw/claims');
    await mkdir(inbox, { recursive: true });
    await copyFile(good, join(inbox, 'good.csv'));
    await writeFile(join(inbox, 'bad.csv'), 'claim_id,claim_line_number\n1,1\n');
    await writeFile(join(inbox, 'README.txt'), 'Claims from the clearing house, delivered nightly.\n');
    const result = await claimflow('watch', '--root', root, ...ONCE);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stdout, /^ {2}PASS +claims-etl-\S+ +good\.csv +\(300 rows, 0 quarantined/m);
    assert.match(result.stdout, /^ {2}FAIL +claims-etl-\S+ +bad\.csv/m);
    assert.match(result.stdout, /^ {2}SKIP +README\.txt +\(not a claim file: /m);
    assert.match(result.stdout, /rows in 300, valid 300, quarantined 0, duplicates removed 0, processed 300/);
    assert.match(result.stdout, /Done\. PASS=1 WARN=0 FAIL=1 ERROR=0 SKIP=1 TOTAL=3/);
    assert.match(result.stderr, /claimflow: bad\.csv: missing_required_column: /);
    const logged = await events(root);
    assert.ok(!logged.some((e) => JSON.stringify(e).includes('README.txt')), 'the readme raised no event and no alert');
  });

  it('--json prints JSON lines: one per file, then the summary', async () => {
    const root = join(dir, 'json');
    const inbox = join(root, 'raw/claims');
    await mkdir(inbox, { recursive: true });
    await copyFile(good, join(inbox, 'good.csv'));
    await writeFile(join(inbox, 'bad.csv'), 'claim_id,claim_line_number\n1,1\n');
    const result = await claimflow('watch', '--root', root, '--json', ...ONCE);
    assert.equal(result.code, 2, result.stderr);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const files = lines.filter((l) => l.event === 'file');
    assert.deepEqual(files.map((f) => [f.file, f.verdict]).sort(), [
      ['bad.csv', 'fail'],
      ['good.csv', 'pass'],
    ]);
    const summary = lines.at(-1);
    assert.equal(summary?.event, 'summary');
    assert.deepEqual(summary?.verdicts, { pass: 1, warn: 0, fail: 1, error: 0, skip: 0 });
    assert.equal(summary?.exit_code, 2);
  });

  it("leaves the demo's input in place when watching the demo's root", async () => {
    const root = join(dir, 'demo');
    const demo = await runNode(['--import', 'tsx', 'scripts/demo.ts', root, '500']);
    assert.equal(demo.code, 0, demo.stderr);
    const input = /claimflow run: 1 file\(s\) in [\d.]+s\n {2}\S+ +\S+ +(\S+)/.exec(demo.stdout)?.[1];
    assert.ok(input, demo.stdout);
    const watch = await claimflow('watch', '--root', root, ...ONCE);
    assert.equal(watch.code, 0, watch.stderr);
    assert.ok((await stat(input)).isFile(), `${input} is still there`);
  });
});
