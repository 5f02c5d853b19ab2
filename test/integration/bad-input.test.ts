import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { claimflow, linesByFile, lit, type RunJson, sql, tempDir, warehouseLineCount } from '../support/cli.ts';

const HEADER = 'claim_id,claim_line_number,claim_type,person_id,claim_start_date,claim_end_date,paid_amount';

describe('bad input', () => {
  let dir: string;
  let good: string;

  before(async () => {
    dir = await tempDir('bad');
    good = join(dir, 'good.csv');
    await writeFile(
      good,
      `${HEADER}\nC1,1,professional,P1,2025-01-02,2025-01-02,10.00\nC1,2,professional,P1,2025-01-02,2025-01-02,5.00\n`,
    );
  });

  it('rejects binary, wrong-header and empty files whole with exit 2, naming file and reason, and still runs the good file', async () => {
    const garbage = join(dir, 'garbage.csv');
    await writeFile(garbage, randomBytes(4096));
    const wrongHeader = join(dir, 'wrong-header.csv');
    await writeFile(wrongHeader, 'id,line,kind\n1,2,3\n');
    const empty = join(dir, 'empty.csv');
    await writeFile(empty, '');
    const headerOnly = join(dir, 'header-only.csv');
    await writeFile(headerOnly, `${HEADER}\n`);
    const badJson = join(dir, 'broken.json');
    await writeFile(badJson, '[{"claim_id": "C1", ');
    const root = join(dir, 'root');
    const result = await claimflow(
      'run',
      garbage,
      wrongHeader,
      empty,
      headerOnly,
      badJson,
      good,
      '--root',
      root,
      '--json',
    );
    assert.equal(result.code, 2);
    assert.match(result.stderr, /garbage\.csv: unreadable_file: /);
    assert.match(
      result.stderr,
      /wrong-header\.csv: missing_required_column: the header lacks claim_id, claim_line_number, claim_type, person_id, claim_start_date, claim_end_date/,
    );
    assert.match(result.stderr, /empty\.csv: (empty_file|missing_required_column)/);
    assert.match(result.stderr, /header-only\.csv: empty_file: /);
    assert.match(result.stderr, /broken\.json: unreadable_file: /);
    const run = JSON.parse(result.stdout) as RunJson;
    const byName = Object.fromEntries(run.files.map((f) => [f.file.split('/').pop(), f]));
    assert.equal(byName['good.csv']?.status, 'SUCCEEDED');
    assert.equal(byName['good.csv']?.processed_records, 2);
    for (const name of ['garbage.csv', 'wrong-header.csv', 'empty.csv', 'header-only.csv', 'broken.json']) {
      const f = byName[name];
      assert.equal(f?.status, 'FAILED', name);
      assert.equal(f?.validation?.validation_status, 'failed', name);
      // The rejected file is kept whole in quarantine, byte for byte.
      const [kept] = await sql(`SELECT file FROM glob(${lit(join(root, `quarantine/files/${f?.job_id}/${name}`))})`);
      assert.ok(kept, `${name} quarantined`);
      assert.deepEqual(await readFile(String(kept.file)), await readFile(join(dir, name)));
    }
    assert.equal(await warehouseLineCount(root), 2);
  });

  it('rejects a cut or corrupted gzip whole before a row of it is published (the first 60%; one flipped bit near the end)', async () => {
    const csv = join(dir, 'month.csv');
    assert.equal((await claimflow('generate', '--rows', '2000', '--out', csv, '--seed', '5')).code, 0);
    const whole = gzipSync(await readFile(csv));
    const cut = join(dir, 'cut.csv.gz');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    const flipped = Buffer.from(whole);
    const near = flipped.length - 200;
    flipped[near] = (flipped[near] as number) ^ 0x10;
    const corrupted = join(dir, 'flipped.csv.gz');
    await writeFile(corrupted, flipped);
    const root = join(dir, 'root-gzip');
    const result = await claimflow('run', cut, corrupted, good, '--root', root, '--json');
    assert.equal(result.code, 2);
    for (const name of ['cut.csv.gz', 'flipped.csv.gz']) {
      assert.match(
        result.stderr,
        new RegExp(`${name.replace('.', '\\.')}: unreadable_file: the gzip data is damaged \\(`),
      );
    }
    const run = JSON.parse(result.stdout) as RunJson;
    const byName = Object.fromEntries(run.files.map((f) => [f.file.split('/').pop(), f]));
    assert.equal(byName['cut.csv.gz']?.status, 'FAILED');
    assert.equal(byName['flipped.csv.gz']?.status, 'FAILED');
    assert.equal(byName['good.csv']?.processed_records, 2);
    const published = await sql(
      `SELECT file_name, COUNT(*) AS n FROM read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))}) GROUP BY ALL`,
    );
    assert.deepEqual(
      published.map((r) => [r.file_name, Number(r.n)]),
      [['good.csv', 2]],
    );
  });

  it('reads a file named with glob characters as itself, beside files its name would match, under a root named root[1]', async () => {
    const own = join(dir, 'claims[1].csv');
    const other = join(dir, 'claims1.csv');
    const feed = join(dir, 'feed*.csv');
    const feedA = join(dir, 'feedA.csv');
    for (const [path, rows, seed] of [
      [own, '300', '1'],
      [other, '1000', '2'],
      [feed, '200', '3'],
      [feedA, '500', '4'],
    ] as const) {
      assert.equal((await claimflow('generate', '--rows', rows, '--out', path, '--seed', seed)).code, 0);
    }
    const root = join(dir, 'root[1]');
    const result = await claimflow('run', own, feed, '--root', root, '--json');
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout) as RunJson;
    assert.deepEqual(
      run.files.map((f) => [f.file.split('/').pop(), f.validation?.summary.total_records]),
      [
        ['claims[1].csv', 300],
        ['feed*.csv', 200],
      ],
    );
    assert.deepEqual(
      (await linesByFile(root)).map((r) => r.file_name),
      ['claims[1].csv', 'feed*.csv'],
    );
  });

  it('names a rejected file as it is, brackets and quotes included (file names are not PHI)', async () => {
    const name = 'claims [2025-10] "final" (a-z).csv';
    await writeFile(join(dir, name), `${HEADER}\n`);
    const result = await claimflow('run', join(dir, name), '--root', join(dir, 'named-root'), '--json');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^claimflow: claims \[2025-10\] "final" \(a-z\)\.csv: empty_file: /m);
    const run = JSON.parse(result.stdout) as RunJson;
    assert.match(String(run.files[0]?.error), /^claims \[2025-10\] "final" \(a-z\)\.csv: empty_file: /);
  });

  it('rejects a file whose quarantined share is over the threshold', async () => {
    const noisy = join(dir, 'noisy.csv');
    await writeFile(
      noisy,
      `${HEADER}\nC1,1,professional,P1,2025-01-02,2025-01-02,10.00\nC2,1,medical,P1,2025-01-02,2025-01-02,1\n`,
    );
    const result = await claimflow('run', noisy, '--root', join(dir, 'noisy-root'), '--error-threshold', '0.4');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /noisy\.csv: error_rate_exceeded: 1 of 2 rows \(50\.00%\)/);
  });

  it('exits 1 with a clear message for usage errors', async () => {
    const missing = await claimflow('run', join(dir, 'nope.csv'), '--root', join(dir, 'r'));
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.csv: no such file or folder/);
    const badFlag = await claimflow('run', good, '--error-threshold', 'lots');
    assert.equal(badFlag.code, 1);
    assert.match(badFlag.stderr, /--error-threshold/, 'the flag as the user typed it');
    const unknown = await claimflow('frobnicate');
    assert.equal(unknown.code, 1);
  });

  it('keeps malformed rows in quarantine with their source line, and numbers every row right', async () => {
    const file = join(dir, 'ragged.csv');
    const lines = [
      `${HEADER},referral_id`,
      'C1,1,professional,P1,2025-01-02,2025-01-02,10.00,R9',
      'C2,1,professional,P2,2025-01-02,2025-01-02,1,R8,surplus',
      '"C3",1,professional,"P3",2025-01-03,2025-01-03,"1,234.00",R7',
      'C4,1,professional',
      'C5,1,professional,P5,2025-01-05,2025-01-05,"3.00","multi\nline"',
      'C6,1,professional,P6,2025-01-06,2025-01-06,6.00,R6',
    ];
    await writeFile(file, `${lines.join('\n')}\n`);
    const root = join(dir, 'ragged-root');
    const result = await claimflow('run', file, '--root', root, '--json', '--error-threshold', '1');
    assert.equal(result.code, 0, result.stderr);
    const quarantined = await sql(
      `SELECT source_row_number, dq_errors, extra_columns FROM read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))}) ORDER BY 1`,
    );
    assert.deepEqual(
      quarantined.map((r) => [Number(r.source_row_number), r.dq_errors]),
      [
        [2, ['malformed_row']],
        [4, ['malformed_row']],
      ],
    );
    assert.deepEqual(JSON.parse(String(quarantined[0]?.extra_columns)), {
      source_line: 'C2,1,professional,P2,2025-01-02,2025-01-02,1,R8,surplus',
    });
    const processed = await sql(
      `SELECT claim_id, source_row_number, paid_amount, extra_columns FROM read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))}) ORDER BY 2`,
    );
    assert.deepEqual(
      processed.map((r) => [r.claim_id, Number(r.source_row_number)]),
      [
        ['C1', 1],
        ['C3', 3],
        ['C5', 5],
        ['C6', 6],
      ],
    );
    assert.equal(processed[1]?.paid_amount, 1234);
    assert.deepEqual(JSON.parse(String(processed[0]?.extra_columns)), { referral_id: 'R9' });
    assert.deepEqual(JSON.parse(String(processed[2]?.extra_columns)), { referral_id: 'multi\nline' });
    const run = JSON.parse(result.stdout) as RunJson;
    const report = JSON.parse(await readFile(run.files[0]?.validation?.report_location ?? '', 'utf8'));
    assert.deepEqual(report.unknown_columns, ['referral_id']);
  });
});
