import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { claimflow, lit, type RunJson, runWithReports, sql, tempDir } from '../support/cli.ts';

const RUN_DATE = ['--run-date', '2026-01-31'];

/** `claimflow run --json` over the inputs at the run date, with each file's report read back. */
const run = (root: string, inputs: string[], ...flags: string[]) => runWithReports(root, inputs, ...RUN_DATE, ...flags);

/** Every row a root holds of `file`, published or quarantined: row number, claim id, rule ids (none when published). */
async function rowsOf(root: string, file: string): Promise<Array<[number, string | null, string[]]>> {
  const rows = await sql(
    `SELECT source_row_number, claim_id, [] AS errors FROM read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))}) WHERE file_name = ${lit(file)}
     UNION ALL
     SELECT source_row_number, claim_id, dq_errors FROM read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))}) WHERE file_name = ${lit(file)}
     ORDER BY 1`,
  );
  return rows.map((r) => [
    Number(r.source_row_number),
    r.claim_id == null ? null : String(r.claim_id),
    r.errors as string[],
  ]);
}

describe('input bounds', () => {
  let dir: string;

  before(async () => {
    dir = await tempDir('bounds');
  });

  it('rejects a CSV 10,000 columns wide and NDJSON with 1,440 distinct keys whole, naming the count and the limit, before their rows are read', async () => {
    const source = join(dir, 'narrow.csv');
    await writeClaimsFile(source, 200, 'csv', { seed: 23, defectRate: 0, month: '2025-10' });
    const [header = '', ...lines] = (await readFile(source, 'utf8')).trim().split('\n');
    const extra = 10_000 - header.split(',').length;
    // Short names keep the header within the 64 KiB head, so it is counted, not cut.
    const names = Array.from({ length: extra }, (_, i) => `x${i}`).join(',');
    const values = Array.from({ length: extra }, (_, i) => String(i % 10)).join(',');
    const wide = join(dir, 'wide.csv');
    await writeFile(wide, `${[`${header},${names}`, ...lines.map((line) => `${line},${values}`)].join('\n')}\n`);
    // Each record brings 7 keys of its own: 1,440 distinct keys over 200 records.
    const records = lines.slice(0, 200).map((line, r) => {
      const record = Object.fromEntries(header.split(',').map((name, c) => [name, line.split(',')[c] ?? null]));
      for (let k = 0; k < 7; k++) record[`note_${r}_${k}`] = 'n';
      return JSON.stringify(record);
    });
    const keys = join(dir, 'keys.ndjson');
    await writeFile(keys, `${records.join('\n')}\n`);

    const root = join(dir, 'wide-root');
    const result = await claimflow('run', wide, keys, source, '--root', root, '--json', ...RUN_DATE);
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /wide\.csv: column_limit_exceeded: the header has 10000 columns, more than limits\.max_columns \(1024\)/,
    );
    const summary = JSON.parse(result.stdout) as RunJson & { files: Array<{ timings_ms: Record<string, number> }> };
    const byName = Object.fromEntries(summary.files.map((f) => [f.file.split('/').pop(), f]));
    // Rejected from the head: the engine never started reading it.
    assert.deepEqual(Object.keys(byName['wide.csv']?.timings_ms ?? {}), ['archive']);
    assert.equal(byName['wide.csv']?.status, 'FAILED');
    assert.match(
      byName['keys.ndjson']?.error ?? '',
      /column_limit_exceeded: the records hold 1440 distinct keys, more than limits\.max_columns \(1024\)/,
    );
    assert.equal(byName['narrow.csv']?.processed_records, 200);
    // A config that allows them reads them.
    const config = join(dir, 'wide-limits.json');
    await writeFile(config, JSON.stringify({ limits: { max_columns: 2000 } }));
    const allowed = await claimflow(
      'run',
      keys,
      '--root',
      join(dir, 'keys-root'),
      '--json',
      '--config',
      config,
      ...RUN_DATE,
    );
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.equal((JSON.parse(allowed.stdout) as RunJson).totals.processed_rows, 200);
  });

  it('reads NDJSON as wide as the canonical model (160 keys, 2,100 records) within the memory limit, every key kept', async () => {
    const source = join(dir, 'narrow.ndjson');
    await writeClaimsFile(source, 2100, 'ndjson', { seed: 24, defectRate: 0, month: '2025-10' });
    const records = (await readFile(source, 'utf8'))
      .trim()
      .split('\n')
      .map((line, r) => {
        const record = JSON.parse(line) as Record<string, unknown>;
        for (let k = 0; k < 120; k++) record[`note_${k}`] = `note ${r}.${k}`;
        return record;
      });
    const file = join(dir, 'wide.ndjson');
    await writeFile(file, `${records.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const root = join(dir, 'wide-ndjson-root');
    const result = await run(root, [file]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.reports['wide.ndjson']?.summary, {
      total_records: 2100,
      valid_records: 2100,
      error_records: 0,
    });
    const [row] = await sql(
      `SELECT claim_id, extra_columns FROM read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))}) WHERE source_row_number = 1500`,
    );
    assert.equal(row?.claim_id, records[1499]?.claim_id);
    const extras = JSON.parse(String(row?.extra_columns)) as Record<string, string>;
    assert.equal(Object.keys(extras).length, 120);
    assert.equal(extras.note_119, 'note 1499.119');
  });

  it('quarantines a 17 MB record of a JSON array (or NDJSON) as one malformed row, and rejects a JSON array whose record passes the reader whole', async () => {
    const source = join(dir, 'records.json');
    await writeClaimsFile(source, 60, 'json', { seed: 25, defectRate: 0, month: '2025-10' });
    const records = JSON.parse(await readFile(source, 'utf8')) as Array<Record<string, unknown>>;
    const big = (mb: number) => ({ ...records[20], claim_id: 'C-BIG', note: 'x'.repeat(mb * 1024 ** 2) });
    const withBig = (mb: number) => [...records.slice(0, 20), big(mb), ...records.slice(20)];
    const array = join(dir, 'big-record.json');
    await writeFile(array, JSON.stringify(withBig(17)));
    const ndjson = join(dir, 'big-record.ndjson');
    await writeFile(
      ndjson,
      `${withBig(17)
        .map((r) => JSON.stringify(r))
        .join('\n')}\n`,
    );
    // Past what DuckDB's JSON reader holds at once (it fails past twice its 16 MiB object bound).
    const huge = join(dir, 'huge-record.json');
    await writeFile(huge, JSON.stringify(withBig(40)));

    const root = join(dir, 'records-root');
    const result = await run(root, [array, ndjson, huge]);
    assert.equal(result.code, 2, result.stderr);
    for (const name of ['big-record.json', 'big-record.ndjson']) {
      assert.deepEqual(result.reports[name]?.summary, { total_records: 61, valid_records: 60, error_records: 1 }, name);
      const rows = await rowsOf(root, name);
      assert.deepEqual(rows[20], [21, null, ['malformed_row']], name);
      assert.deepEqual(
        rows.filter(([, , errors]) => errors.length === 0).map(([, id]) => id),
        records.map((r) => r.claim_id),
      );
    }
    const [kept] = await sql(
      `SELECT extra_columns FROM read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))}) WHERE file_name = 'big-record.json'`,
    );
    assert.ok(String(kept?.extra_columns).length < 20_000, 'the 17 MB record is kept as an excerpt');
    assert.deepEqual(result.reports['huge-record.json']?.file_error, {
      rule_id: 'record_limit_exceeded',
      reason:
        'a record of the JSON array is larger than 16777216 bytes, the most the JSON reader holds at once (records over limits.max_record_bytes, 1048576, are quarantined as malformed_row); the file was not read',
    });
    assert.match(result.stderr, /huge-record\.json: record_limit_exceeded: /);
  });

  it('reads CR-only line endings (classic Mac) in CSV and NDJSON: every record once, numbered by its line', async () => {
    const csvSource = join(dir, 'lf.csv');
    const ndjsonSource = join(dir, 'lf.ndjson');
    await writeClaimsFile(csvSource, 300, 'csv', { seed: 21, defectRate: 0, month: '2025-10' });
    await writeClaimsFile(ndjsonSource, 300, 'ndjson', { seed: 22, defectRate: 0, month: '2025-10' });
    // Generated fields hold no delimiters, quotes or line breaks: a plain split is a second, independent reader.
    const [header = '', ...csvLines] = (await readFile(csvSource, 'utf8')).trim().split('\n');
    const ndjsonLines = (await readFile(ndjsonSource, 'utf8')).trim().split('\n');
    // One damaged record in each (row 120 of the CSV has a field too many; line 80 of the NDJSON is not JSON).
    csvLines[119] = `${csvLines[119]},surplus`;
    ndjsonLines[79] = 'this line is not JSON';
    const csv = join(dir, 'mac.csv');
    await writeFile(csv, `${[header, ...csvLines].join('\r')}\r`);
    const ndjson = join(dir, 'mac.ndjson');
    await writeFile(ndjson, `${ndjsonLines.join('\r')}\r`);
    const expected = (ids: string[], damaged: number): Array<[number, string | null, string[]]> =>
      ids.map((id, i) => (i + 1 === damaged ? [i + 1, null, ['malformed_row']] : [i + 1, id, []]));

    const root = join(dir, 'cr-root');
    const result = await run(root, [csv, ndjson]);
    assert.equal(result.code, 0, result.stderr);
    for (const name of ['mac.csv', 'mac.ndjson']) {
      assert.deepEqual(result.reports[name]?.summary, { total_records: 300, valid_records: 299, error_records: 1 });
    }
    const csvIds = csvLines.map((line) => line.split(',')[0] ?? '');
    assert.deepEqual(await rowsOf(root, 'mac.csv'), expected(csvIds, 120));
    const ndjsonIds = ndjsonLines.map((line, i) => (i === 79 ? '' : String(JSON.parse(line).claim_id)));
    assert.deepEqual(await rowsOf(root, 'mac.ndjson'), expected(ndjsonIds, 80));
  });
});
