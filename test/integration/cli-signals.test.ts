import assert from 'node:assert/strict';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { BIN, claimflow, runShell, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';

const RUN_DATE = ['--run-date', '2026-01-31'];

/** One `--json` file entry of a run, as far as these tests read it. */
interface FileJson {
  file: string;
  verdict: string;
  gates_failed: string[];
  counted: boolean;
}

describe('claimflow run and validate: signals for cron and CI', () => {
  let dir: string;
  let folder: string;
  let clean: string;
  let defective: string;

  before(async () => {
    dir = await tempDir('signals');
    folder = join(dir, 'tuva');
    await cp(join(SHARED_DIR, 'samples/tuva'), folder, { recursive: true });
    await writeFile(join(folder, 'README.txt'), 'These files come from the Tuva Project.\nSee SOURCE.txt.\n');
    await mkdir(join(dir, 'files'));
    clean = join(dir, 'files/clean.csv');
    defective = join(dir, 'files/defective.csv');
    await writeClaimsFile(clean, 300, 'csv', { seed: 3, defectRate: 0, month: '2025-10' });
    await writeClaimsFile(defective, 600, 'csv', { seed: 4, defectRate: 0.03, month: '2025-10' });
  });

  it('skips and lists the non-claim files of a folder, never fails them', async () => {
    const result = await claimflow('validate', folder, '--root', join(dir, 'folder-root'), ...RUN_DATE);
    assert.equal(result.code, 0, result.stderr);
    for (const name of ['README.txt', 'SOURCE.txt', 'LICENSE-2.0.txt']) {
      assert.match(result.stdout, new RegExp(`^ {2}SKIP +\\S*${name.replace('.', '\\.')} +\\(not a claim file: `, 'm'));
      assert.doesNotMatch(result.stderr, new RegExp(`${name.replace('.', '\\.')}: missing_required_column`));
    }
    assert.match(result.stdout, /skipped 3 non-claim file\(s\)/);
    const json = await claimflow('validate', folder, '--root', join(dir, 'folder-root'), '--json', ...RUN_DATE);
    const summary = JSON.parse(json.stdout) as { files: FileJson[]; skipped: Array<{ file: string; reason: string }> };
    assert.deepEqual(summary.skipped.map((s) => s.file.split('/').pop()).sort(), [
      'LICENSE-2.0.txt',
      'README.txt',
      'SOURCE.txt',
    ]);
    assert.equal(summary.files.length, 3);
  });

  it('says why: companion rows kept out of the identity, top failing rules, code-set rules skipped', async () => {
    const result = await claimflow('run', folder, defective, '--root', join(dir, 'why-root'), ...RUN_DATE);
    assert.equal(result.code, 0, result.stderr);
    const totals = /rows in (\d+), valid (\d+), quarantined (\d+), duplicates removed (\d+), processed (\d+)/.exec(
      result.stdout,
    );
    assert.ok(totals, result.stdout);
    const [, rowsIn, , quarantined, duplicates, processed] = totals.map(Number);
    assert.equal(rowsIn, (processed ?? 0) + (quarantined ?? 0) + (duplicates ?? 0), 'the printed identity holds');
    // The Tuva eligibility (31 rows) and pharmacy (291 rows) files are published to their own tables,
    // so they are counted, each table with its own identity.
    assert.doesNotMatch(result.stdout, /not counted/);
    assert.match(result.stdout, /eligibility: rows in 31 = processed 31 \+ quarantined 0 \+ duplicates removed 0/);
    assert.match(result.stdout, /pharmacy_claim: rows in 291 = processed 291 \+ quarantined 0 \+ duplicates removed 0/);
    assert.match(result.stdout, /top failing rules: [a-z_]+ \d+ rows? \((quarantine|warn)\)/);
    assert.match(result.stdout, /invalid_units 79 rows \(quarantine\)/, 'the Tuva seed quarantines 79 rows for units');
    assert.match(result.stdout, /code-set rules skipped: \d+ \(no --refdata given\)/);
  });

  it('says when --refdata points at a folder without reference lists', async () => {
    const empty = join(dir, 'no-lists');
    await mkdir(empty, { recursive: true });
    await writeFile(join(empty, 'notes.txt'), 'nothing here\n');
    const result = await claimflow(
      'validate',
      clean,
      '--root',
      join(dir, 'empty-refdata'),
      '--refdata',
      empty,
      ...RUN_DATE,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`--refdata ${empty} holds no reference lists`));
    assert.match(result.stdout, /code-set rules skipped: \d+ \(--refdata has no lists for them\)/);
  });

  it('prints one verdict per file (PASS, WARN, FAIL) and a dbt-style tally', async () => {
    const bad = join(dir, 'files/bad.csv');
    await writeFile(bad, 'claim_id,claim_line_number\n1,1\n');
    const result = await claimflow('validate', clean, defective, bad, '--root', join(dir, 'tally'), ...RUN_DATE);
    assert.equal(result.code, 2);
    assert.match(result.stdout, /^ {2}PASS +\S+ +\S*clean\.csv/m);
    assert.match(result.stdout, /^ {2}WARN +\S+ +\S*defective\.csv/m);
    assert.match(result.stdout, /^ {2}FAIL +\S+ +\S*bad\.csv/m);
    assert.match(result.stdout, /Done\. PASS=1 WARN=1 FAIL=1 ERROR=0 SKIP=0 TOTAL=3/);
  });

  it('fails on opt-in gates: --fail-on warn, --max-quarantine-rate, --min-score (exit 2, the gate named)', async () => {
    const root = join(dir, 'gates');
    const plain = await claimflow('validate', defective, '--root', root, ...RUN_DATE);
    assert.equal(plain.code, 0, plain.stderr);

    const warn = await claimflow('validate', clean, defective, '--root', root, '--fail-on', 'warn', ...RUN_DATE);
    assert.equal(warn.code, 2);
    assert.match(warn.stderr, /claimflow: defective\.csv: gate --fail-on warn: \d+ rows? quarantined/);
    assert.doesNotMatch(warn.stderr, /clean\.csv: gate/, 'the clean file passes the gate');

    const rate = await claimflow('validate', defective, '--root', root, '--max-quarantine-rate', '0.001', ...RUN_DATE);
    assert.equal(rate.code, 2);
    assert.match(rate.stderr, /defective\.csv: gate --max-quarantine-rate 0\.1%: \d+\.\d+% of rows quarantined/);
    const loose = await claimflow('validate', defective, '--root', root, '--max-quarantine-rate', '0.5', ...RUN_DATE);
    assert.equal(loose.code, 0, loose.stderr);

    const score = await claimflow('validate', defective, '--root', root, '--min-score', '99.99', '--json', ...RUN_DATE);
    assert.equal(score.code, 2);
    const file = (JSON.parse(score.stdout) as { files: FileJson[] }).files[0];
    assert.equal(file?.verdict, 'fail');
    assert.match(file?.gates_failed[0] ?? '', /^--min-score 99\.99: quality \d+(\.\d+)?$/);
  });
});

describe('claimflow usage: help, version, errors', () => {
  it('prints --version from package.json', async () => {
    const result = await claimflow('--version');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^\d+\.\d+\.\d+\n$/);
  });

  it('shows defaults and examples in --help', async () => {
    const run = await claimflow('run', '--help');
    assert.equal(run.code, 0);
    const flat = run.stdout.replace(/\s+/g, ' ');
    assert.match(flat, /--root <dir> output root \(the bucket layout\) \(default: \.\/claimflow-data\)/);
    assert.match(flat, /--memory-limit <size> DuckDB memory limit, e\.g\. 2GB \(default: 1200MB\)/);
    assert.match(run.stdout, /Examples:\n {2}\$ claimflow run /);
    const watch = await claimflow('watch', '--help');
    assert.match(watch.stdout.replace(/\s+/g, ' '), /--settle-ms <ms> [^-]*\(default: 1000\)/);
    const generate = await claimflow('generate', '--help');
    assert.match(
      generate.stdout.replace(/\s+/g, ' '),
      /--spread <one-month\|lag\|N-months> [^(]*\(default: one-month\)/,
    );
  });

  it('dlq list --help shows only its own flags', async () => {
    const result = await claimflow('dlq', 'list', '--help');
    assert.equal(result.code, 0);
    assert.match(result.stdout, /--root <dir>/);
    assert.match(result.stdout, /--json/);
    for (const flag of ['--error-threshold', '--refdata', '--concurrency', '--memory-limit', '--run-date'])
      assert.ok(!result.stdout.includes(flag), `${flag} is not a dlq list flag`);
  });

  it('a usage error prints a short message and points at --help, not the whole help', async () => {
    const result = await claimflow('run', 'x.csv', '--no-such-flag');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /unknown option '--no-such-flag'/);
    assert.match(result.stderr, /see 'claimflow run --help'/);
    assert.doesNotMatch(result.stderr, /Options:/);
    assert.ok(result.stderr.split('\n').length <= 3, result.stderr);
  });

  it('names invalid options by their flags', async () => {
    const result = await claimflow('run', 'x.csv', '--error-threshold', '2', '--memory-limit', '1GB');
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--error-threshold: /);
    assert.doesNotMatch(result.stderr, /errorThreshold/);
  });

  it('exits quietly when its reader goes away (plan x.csv | head)', async () => {
    const dir = await tempDir('epipe');
    const file = join(dir, 'claims.csv');
    await writeClaimsFile(file, 20, 'csv', { seed: 1, defectRate: 0, month: '2025-10' });
    const result = await runShell(`node ${BIN} plan ${file} --dialect spark | head -c 10 > /dev/null`);
    assert.equal(result.code, 0);
    assert.doesNotMatch(result.stderr, /EPIPE|Error/);
  });

  it('a --root that is a file is a usage error naming the path, for readers too', async () => {
    const dir = await tempDir('root-file');
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    for (const args of [['query', 'SELECT 1'], ['events'], ['audit', 'verify']]) {
      const result = await claimflow(...args, '--root', file);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, new RegExp(`root ${file} is not a folder`));
    }
  });
});

describe('claimflow run: progress when stderr is not a terminal', () => {
  it('prints plain lines: when each file starts and when it is done, with its rows and rate', async () => {
    const dir = await tempDir('progress');
    const file = join(dir, 'claims.csv');
    await writeClaimsFile(file, 2000, 'csv', { seed: 9, defectRate: 0, month: '2025-10' });
    const result = await claimflow('validate', file, '--root', join(dir, 'root'), ...RUN_DATE);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^claimflow: \[1\/1\] claims\.csv: started$/m);
    assert.match(result.stderr, /^claimflow: \[1\/1\] claims\.csv: done, 2,000 rows in \d+\.\ds \([\d,]+ rows\/s\)$/m);
  });
});
