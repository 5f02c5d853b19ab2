import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { LocalObjectStore } from '../../src/adapters/local-store/local-object-store.ts';
import { SqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.ts';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { UnsafeObjectKeyError } from '../../src/domain/object-key.ts';
import type { HandlerDeps } from '../../src/pipeline/handlers/handler-deps.ts';
import { handleS3EventTrigger } from '../../src/pipeline/handlers/s3-event-trigger.ts';
import { claimflow, lit, type RunJson, runWithReports, sql, startClaimflow, tempDir } from '../support/cli.ts';

const RUN_DATE = ['--run-date', '2026-01-31'];

/** `claimflow run --json` over the inputs at the run date, with each file's report read back. */
const run = (root: string, inputs: string[], ...flags: string[]) => runWithReports(root, inputs, ...RUN_DATE, ...flags);

/** Quarantined rows of a root: row number, rule ids and the kept source line. */
async function quarantined(root: string): Promise<Array<{ row: number; errors: string[]; line: string | null }>> {
  const rows = await sql(
    `SELECT source_row_number, dq_errors, extra_columns FROM read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))}) ORDER BY 1`,
  );
  return rows.map((r) => ({
    row: Number(r.source_row_number),
    errors: r.dq_errors as string[],
    line: r.extra_columns == null ? null : ((JSON.parse(String(r.extra_columns)).source_line as string) ?? null),
  }));
}

const publishedCount = async (root: string, file: string): Promise<number> => {
  const [row] = await sql(
    `SELECT COUNT(*) AS n FROM read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))}) WHERE file_name = ${lit(file)}`,
  );
  return Number(row?.n ?? 0);
};

describe('hostile input', () => {
  let dir: string;
  /** A clean 300-line CSV that every run below carries along, to show the rest of a run is not lost. */
  let good: string;

  before(async () => {
    dir = await tempDir('hostile');
    good = join(dir, 'good.csv');
    await writeClaimsFile(good, 300, 'csv', { seed: 11, defectRate: 0, month: '2025-10' });
  });

  it('reads NDJSON line by line: a bad line is one malformed row, even a 3 MB one, and the good lines go on', async () => {
    const generated = join(dir, 'generated.ndjson');
    await writeClaimsFile(generated, 400, 'ndjson', { seed: 12, defectRate: 0, month: '2025-10' });
    const lines = (await readFile(generated, 'utf8')).trim().split('\n');
    // Damage after record 100, 200 and 300; blank lines after record 50. Row numbers are line numbers.
    const damaged = [
      ...lines.slice(0, 50),
      '',
      '   ',
      ...lines.slice(50, 100),
      'this line is not JSON',
      ...lines.slice(100, 200),
      // The shape that made DuckDB's JSON reader run out of memory: a ~760 KB unterminated string.
      `{"claim_id": "${'x'.repeat(760_000)}`,
      ...lines.slice(200, 300),
      `{"claim_id": "${'y'.repeat(3_000_000)}"}`,
      '[1, 2, 3]',
      '{"claim_id": "C\\u0000"}',
      ...lines.slice(300),
    ];
    const file = join(dir, 'mixed.ndjson');
    await writeFile(file, `${damaged.join('\n')}\n`);
    const root = join(dir, 'ndjson-root');
    const result = await run(root, [file, good]);
    assert.equal(result.code, 0, result.stderr);
    const report = result.reports['mixed.ndjson'];
    assert.equal(report?.validation_status, 'success');
    assert.deepEqual(report?.summary, { total_records: 405, valid_records: 400, error_records: 5 });
    assert.equal(report?.processed_records, 400);
    const rows = await quarantined(root);
    assert.deepEqual(
      rows.map((r) => [r.row, r.errors]),
      [
        [103, ['malformed_row']],
        [204, ['malformed_row']],
        [305, ['malformed_row']],
        [306, ['malformed_row']],
        [307, ['malformed_row']],
      ],
    );
    assert.equal(rows[0]?.line, 'this line is not JSON');
    assert.equal(rows[3]?.line, '[1, 2, 3]');
    // The 3 MB line is over limits.max_record_bytes (1 MiB): kept as a bounded excerpt, not read.
    assert.ok((rows[2]?.line?.length ?? 0) < 20_000, 'the oversized line is cut');
    assert.equal(await publishedCount(root, 'mixed.ndjson'), 400);
    assert.equal(await publishedCount(root, 'good.csv'), 300);
  });

  it('quarantines an oversized CSV record, bytes that are not UTF-8 and NUL bytes past the head as malformed rows', async () => {
    const generated = join(dir, 'long.csv');
    // 600 lines of about 250 bytes: the damage below lies past the 64 KiB head that decides the format.
    await writeClaimsFile(generated, 600, 'csv', { seed: 13, defectRate: 0, month: '2025-10' });
    const [header = '', ...rows] = (await readFile(generated, 'utf8')).trim().split('\n');
    const lines: Buffer[] = rows.map((r) => Buffer.from(r));
    const withField = (row: Buffer, field: Buffer): Buffer => {
      const text = row.toString();
      const cut = text.indexOf(',', text.indexOf(',') + 1);
      return Buffer.concat([Buffer.from(text.slice(0, cut + 1)), field, Buffer.from(text.slice(cut + 1))]);
    };
    // Row 401: invalid UTF-8; row 451: a NUL byte inside a field; row 501: a 2 MB field.
    lines[400] = withField(lines[400] ?? Buffer.alloc(0), Buffer.from([0x41, 0xff, 0xfe, 0x42]));
    lines[450] = withField(lines[450] ?? Buffer.alloc(0), Buffer.from('A\0B'));
    lines[500] = withField(lines[500] ?? Buffer.alloc(0), Buffer.from('Z'.repeat(2_000_000)));
    const file = join(dir, 'damaged.csv');
    const body = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
    await writeFile(file, Buffer.concat([Buffer.from(`${header}\n`), body]));
    // The same damage in the head: the file cannot be told from binary, so it is rejected whole.
    const binaryHead = join(dir, 'binary-head.csv');
    await writeFile(binaryHead, Buffer.concat([Buffer.from(`${header}\n`), lines[450] ?? Buffer.alloc(0)]));
    const latin1Head = join(dir, 'latin1-head.csv');
    await writeFile(latin1Head, Buffer.concat([Buffer.from(`${header}\n`), lines[400] ?? Buffer.alloc(0)]));
    const root = join(dir, 'csv-root');
    const result = await run(root, [file, binaryHead, latin1Head, good]);
    assert.equal(result.code, 2);
    assert.deepEqual(result.reports['damaged.csv']?.summary, {
      total_records: 600,
      valid_records: 597,
      error_records: 3,
    });
    const quarantine = await quarantined(root);
    assert.deepEqual(
      quarantine.map((r) => [r.row, r.errors]),
      [
        [401, ['malformed_row']],
        [451, ['malformed_row']],
        [501, ['malformed_row']],
      ],
    );
    assert.ok((quarantine[2]?.line?.length ?? 0) < 20_000, 'the 2 MB record is kept as an excerpt');
    assert.equal(await publishedCount(root, 'damaged.csv'), 597);
    assert.deepEqual(result.reports['binary-head.csv']?.file_error, {
      rule_id: 'unreadable_file',
      reason: 'binary content (NUL bytes) in the first bytes of the file',
    });
    assert.deepEqual(result.reports['latin1-head.csv']?.file_error, {
      rule_id: 'unreadable_file',
      reason: 'not UTF-8 text in the first bytes of the file',
    });
    assert.equal(await publishedCount(root, 'good.csv'), 300);
  });

  it('rejects a gzip bomb by ratio and an over-large gzip by size before reading them, and runs the rest', async () => {
    const csv = await readFile(good, 'utf8');
    const [header = ''] = csv.split('\n');
    // A CSV header, then 20 gzip members of 50 MB of one letter each: about 1 MB that inflates to 1 GB.
    const member = gzipSync(Buffer.alloc(50 * 1024 ** 2, 'A'), { level: 9 });
    const bomb = join(dir, 'bomb.csv.gz');
    await writeFile(bomb, Buffer.concat([gzipSync(`${header}\n`), ...Array.from({ length: 20 }, () => member)]));
    const big = join(dir, 'big.csv.gz');
    await writeFile(big, gzipSync(csv.repeat(8)));
    const small = join(dir, 'small.csv.gz');
    await writeFile(small, gzipSync(csv));
    const config = join(dir, 'limits.json');
    // Between the small file (about 80 KB inflated) and the big one (8 times that).
    await writeFile(config, JSON.stringify({ limits: { max_decompressed_bytes: 200_000 } }));
    const root = join(dir, 'gzip-root');
    const started = Date.now();
    const result = await run(root, [bomb, big, small], '--config', config);
    assert.equal(result.code, 2);
    assert.ok(Date.now() - started < 60_000, 'the bomb is not inflated whole');
    const bombError = result.reports['bomb.csv.gz']?.file_error;
    assert.equal(bombError?.rule_id, 'decompression_limit_exceeded');
    assert.match(
      bombError?.reason ?? '',
      /inflates past \d+ bytes \(limits: 200000 bytes, 200 times its \d+ compressed/,
    );
    const bigError = result.reports['big.csv.gz']?.file_error;
    assert.equal(bigError?.rule_id, 'decompression_limit_exceeded');
    assert.match(bigError?.reason ?? '', /inflates past 200000 bytes/);
    assert.match(result.stderr, /bomb\.csv\.gz: decompression_limit_exceeded: /);
    assert.equal(result.reports['small.csv.gz']?.validation_status, 'success');
    assert.equal(await publishedCount(root, 'small.csv.gz'), 300);
    // With the default limits, the ratio stops it: 200 times its size, far under its 1 GB.
    const defaults = await run(join(dir, 'gzip-default-root'), [bomb]);
    const ratioError = defaults.reports['bomb.csv.gz']?.file_error;
    assert.equal(ratioError?.rule_id, 'decompression_limit_exceeded');
    const [, limit, compressed] =
      /inflates past (\d+) bytes .* 200 times its (\d+) compressed/.exec(ratioError?.reason ?? '') ?? [];
    assert.equal(Number(limit), Number(compressed) * 200);
    assert.ok(Number(compressed) < 2 * 1024 ** 2, `${compressed} bytes compressed`);
  });

  it('skips symlinks in a folder given to run and in the watched inbox, with the reason logged', async () => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    const secret = join(outside, 'secret.csv');
    await writeFile(secret, await readFile(good));
    const folder = join(dir, 'folder');
    await mkdir(folder);
    await writeFile(join(folder, 'claims.csv'), await readFile(good));
    await symlink(secret, join(folder, 'linked.csv'));
    const result = await claimflow('run', folder, '--root', join(dir, 'link-root'), '--json', ...RUN_DATE);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /linked\.csv: skipped: symbolic link \(not followed\)/);
    assert.deepEqual(
      (JSON.parse(result.stdout) as RunJson).files.map((f) => f.file.split('/').pop()),
      ['claims.csv'],
    );

    const root = join(dir, 'watch-root');
    const inbox = join(root, 'raw/claims');
    await mkdir(inbox, { recursive: true });
    await writeFile(join(inbox, 'claims.csv'), await readFile(good));
    await symlink(secret, join(inbox, 'linked.csv'));
    const watch = startClaimflow(['watch', '--root', root, '--once', '--settle-ms', '200', '--verbose', ...RUN_DATE]);
    assert.equal(await watch.exited, 0, watch.stderr());
    const skipped = watch
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.message === 'inbox entry skipped');
    assert.deepEqual(
      skipped.map((l) => [l.file, l.reason]),
      [['linked.csv', 'symbolic link (not followed)']],
    );
    assert.equal(await publishedCount(root, 'claims.csv'), 300);
    assert.equal(await readFile(secret, 'utf8'), await readFile(good, 'utf8'), 'the link target is untouched');
  });

  it('ignores object keys with .., absolute paths or NUL in the trigger, and the local store refuses them', async () => {
    const root = join(dir, 'keys-root');
    const store = new LocalObjectStore(root);
    await store.writeText('raw/claims/claims.csv', await readFile(good, 'utf8'));
    await writeFile(join(dir, 'secret.csv'), 'claim_id\nC1\n');
    const ignored: Array<Record<string, unknown>> = [];
    const published: string[] = [];
    const deps = {
      store,
      ledger: new SqliteLedger(':memory:'),
      bus: { publish: async (topic: string) => void published.push(topic) },
      clock: { now: () => new Date('2026-01-31T10:00:00Z') },
      logger: { info: (_m: string, fields: Record<string, unknown>) => ignored.push(fields), warn: () => {} },
      nextJobId: () => 'claims-etl-20260131-100000-0001',
    } as unknown as HandlerDeps;
    const created = (key: string) => ({
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: 'b' }, object: { key } },
    });
    const response = await handleS3EventTrigger(
      {
        Records: [
          created('raw/claims/../../secret.csv'),
          created('raw/claims/%2E%2E/%2E%2E/secret.csv'),
          created('/etc/passwd.csv'),
          created('raw/claims/claims.csv%00.csv'),
          created('raw/claims/claims.csv'),
        ],
      },
      deps,
    );
    assert.equal(response.body.jobs_started.length, 1, 'only the safe key starts a job');
    assert.deepEqual(
      ignored.map((f) => f.reason),
      [
        "unsafe key: a '..' path segment",
        "unsafe key: a '..' path segment",
        'unsafe key: an absolute path',
        'unsafe key: a NUL byte',
      ],
    );
    for (const key of ['raw/claims/../../secret.csv', '/etc/passwd.csv', 'archive/a\0b']) {
      assert.throws(() => store.locate(key), UnsafeObjectKeyError, key);
      await assert.rejects(async () => store.readText(key), UnsafeObjectKeyError, key);
    }
    await assert.rejects(async () => store.writeText('archive/../../escaped.txt', 'x'), UnsafeObjectKeyError);
  });

  /** The rows of one input file in a root's quarantine or published claims, read back with DuckDB. */
  const rowsOf = async (root: string, where: 'quarantine' | 'processed', file: string) => {
    const files = where === 'quarantine' ? 'quarantine/rows/*.parquet' : 'processed/claims/*/*/*.parquet';
    // A published file holds only the canonical columns its input had: one without a payer has no payer column.
    const rows = await sql(
      `SELECT * FROM read_parquet(${lit(join(root, files))}, union_by_name = true) WHERE file_name = ${lit(file)} ORDER BY source_row_number`,
    );
    return rows.map((r) => ({
      claim_id: r.claim_id,
      row: Number(r.source_row_number),
      ...(where === 'quarantine' ? { errors: r.dq_errors } : { payer: r.payer ?? null }),
      extra: r.extra_columns == null ? null : JSON.parse(String(r.extra_columns)),
    }));
  };

  it("reads a CSV column named like one of the pipeline's own (_row_number, file_row_number, _ingest_error, _raw_line) as data", async () => {
    const header = 'claim_id,claim_line_number,claim_type,person_id,claim_start_date,claim_end_date,paid_amount';
    const reserved = ['_row_number', 'file_row_number', '_ingest_error', '_raw_line'];
    const files = reserved.map((name) => join(dir, `reserved${name}.csv`));
    for (const [i, name] of reserved.entries()) {
      const lines = [
        `${header},${name}`,
        `C1,1,professional,P1,2025-10-02,2025-10-02,10.00,first ${name}`,
        // Too few fields: one malformed row, kept with its source line.
        'C2,1,professional',
        `C3,1,professional,P3,2025-10-03,2025-10-03,3.00,third ${name}`,
      ];
      await writeFile(files[i] ?? '', `${lines.join('\n')}\n`);
    }
    const root = join(dir, 'reserved-root');
    const result = await run(root, [...files, good], '--error-threshold', '1');
    assert.equal(result.code, 0, result.stderr);
    for (const name of reserved) {
      const file = `reserved${name}.csv`;
      const report = result.reports[file];
      assert.deepEqual(report?.summary, { total_records: 3, valid_records: 2, error_records: 1 }, file);
      assert.deepEqual(report?.unknown_columns, [name], file);
      assert.deepEqual(
        await rowsOf(root, 'quarantine', file),
        [{ claim_id: null, row: 2, errors: ['malformed_row'], extra: { source_line: 'C2,1,professional' } }],
        file,
      );
      assert.deepEqual(
        await rowsOf(root, 'processed', file),
        [
          { claim_id: 'C1', row: 1, payer: null, extra: { [name]: `first ${name}` } },
          { claim_id: 'C3', row: 3, payer: null, extra: { [name]: `third ${name}` } },
        ],
        file,
      );
    }
    assert.equal(await publishedCount(root, 'good.csv'), 300);
  });

  it('reads a header with names equal but for case (payer, Payer) or repeated: the first maps, the others stay as data', async () => {
    const header = 'claim_id,claim_line_number,claim_type,person_id,claim_start_date,claim_end_date,paid_amount';
    const file = join(dir, 'cased.csv');
    const lines = [
      `${header},payer,Payer,payer,CLAIM_ID`,
      'C1,1,professional,P1,2025-10-02,2025-10-02,10.00,Acme,Other,Third,X1',
      'C2,1,professional,P2,2025-10-02,2025-10-02,2.00,Beta,,,X2',
    ];
    await writeFile(file, `${lines.join('\n')}\n`);
    const root = join(dir, 'cased-root');
    const result = await run(root, [file]);
    assert.equal(result.code, 0, result.stderr);
    const report = result.reports['cased.csv'];
    assert.deepEqual(report?.summary, { total_records: 2, valid_records: 2, error_records: 0 });
    assert.deepEqual(report?.unknown_columns, ['Payer', 'payer_2', 'CLAIM_ID']);
    assert.deepEqual(await rowsOf(root, 'processed', 'cased.csv'), [
      { claim_id: 'C1', row: 1, payer: 'Acme', extra: { Payer: 'Other', payer_2: 'Third', CLAIM_ID: 'X1' } },
      { claim_id: 'C2', row: 2, payer: 'Beta', extra: { Payer: null, payer_2: null, CLAIM_ID: 'X2' } },
    ]);
  });

  it('reads NDJSON keys that need escaping in a JSON path (a\\, a", the empty key) or that the ingest uses itself', async () => {
    const record = (id: string, extra: Record<string, unknown>) =>
      JSON.stringify({
        claim_id: id,
        claim_line_number: '1',
        claim_type: 'professional',
        person_id: 'P1',
        claim_start_date: '2025-10-02',
        claim_end_date: '2025-10-02',
        paid_amount: '1.00',
        ...extra,
      });
    const odd = { 'a\\': 'backslash', 'a"': 'quote', '': 'empty', 'a/b~c': 'pointer', _record: 'r', _raw_line: 'l' };
    const internal = { _ingest_error: 'e', _row_number: 99 };
    const file = join(dir, 'keys.ndjson');
    await writeFile(file, `${[record('C1', odd), 'not json', record('C3', internal)].join('\n')}\n`);
    const root = join(dir, 'keys-root');
    const result = await run(root, [file], '--error-threshold', '1');
    assert.equal(result.code, 0, result.stderr);
    const report = result.reports['keys.ndjson'];
    assert.deepEqual(report?.summary, { total_records: 3, valid_records: 2, error_records: 1 });
    assert.deepEqual([...(report?.unknown_columns ?? [])].sort(), [
      '',
      '_ingest_error',
      '_raw_line',
      '_record',
      '_row_number',
      'a"',
      'a/b~c',
      'a\\',
    ]);
    assert.deepEqual(await rowsOf(root, 'quarantine', 'keys.ndjson'), [
      { claim_id: null, row: 2, errors: ['malformed_row'], extra: { source_line: 'not json' } },
    ]);
    const published = await rowsOf(root, 'processed', 'keys.ndjson');
    assert.deepEqual(
      published.map((r) => [r.claim_id, r.row]),
      [
        ['C1', 1],
        ['C3', 3],
      ],
    );
    // Every key of the file is in each row's extra columns, NULL where the record lacks it.
    const present = (extra: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== null));
    assert.deepEqual(present(published[0]?.extra), odd);
    assert.deepEqual(present(published[1]?.extra), { _ingest_error: 'e', _row_number: '99' });
  });

  it('neutralises formulas in the CSV that query writes, and escapes markup in the HTML report', async () => {
    const generated = join(dir, 'formula-source.csv');
    await writeClaimsFile(generated, 50, 'csv', { seed: 14, defectRate: 0, month: '2025-10' });
    const [header = '', ...rows] = (await readFile(generated, 'utf8')).trim().split('\n');
    const names = header.split(',');
    const at = (name: string) => names.indexOf(name);
    const hostile = rows.map((row, i) => {
      const fields = row.split(',');
      if (i === 0) {
        fields[at('payer')] = '"=HYPERLINK(""http://evil.example"",""x"")"';
        fields[at('plan')] = '@SUM(A1)';
        fields[at('member_id')] = '+1-555';
      }
      return `${fields.join(',')},<script>alert(1)</script>`;
    });
    const file = join(dir, 'claims <img src=x onerror=alert(1)>.csv');
    await writeFile(file, `${header},<script>alert(1)</script>\n${hostile.join('\n')}\n`);
    const root = join(dir, 'formula-root');
    const result = await run(root, [file]);
    assert.equal(result.code, 0, result.stderr);

    const query = await claimflow(
      'query',
      `SELECT payer, plan, member_id, '-12.50' AS negative, paid_amount FROM medical_claim WHERE source_row_number = 1`,
      '--root',
      root,
      '--format',
      'csv',
    );
    assert.equal(query.code, 0, query.stderr);
    const [, line] = query.stdout.trim().split('\n');
    assert.match(line ?? '', /^"'=HYPERLINK\(""http:\/\/evil\.example"",""x""\)",'@SUM\(A1\),'\+1-555,-12\.50,/);

    const report = result.reports['claims <img src=x onerror=alert(1)>.csv'];
    assert.deepEqual(report?.unknown_columns, ['<script>alert(1)</script>']);
    const html = await readFile(report?.html_report_location ?? '', 'utf8');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'the column name is shown escaped');
    assert.ok(html.includes('claims &lt;img src=x onerror=alert(1)&gt;.csv'), 'the file name is shown escaped');
    assert.doesNotMatch(html, /<script|<img/i);
  });
});
