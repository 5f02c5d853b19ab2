import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { claimflow, lit, type RunJson, sql, tempDir } from '../support/cli.ts';

/**
 * The reader's records checked against a count made from the file's bytes (issue 18, findings 2
 * and 9): a stray quote must not swallow records, and blank lines must not shift row numbers.
 */
describe('records counted independently of the reader', () => {
  let dir: string;
  let header: string;
  /** Generated records without a quoted field, so the only quotes are the ones a test plants. */
  let records: string[];
  let payer: number;

  before(async () => {
    dir = await tempDir('record-count');
    const generated = join(dir, 'generated.csv');
    assert.equal((await claimflow('generate', '--rows', '2000', '--out', generated, '--seed', '5')).code, 0);
    const lines = (await readFile(generated, 'utf8')).trimEnd().split('\n');
    header = lines[0] ?? '';
    records = lines.slice(1).filter((line) => !line.includes('"'));
    payer = header.split(',').indexOf('payer');
    assert.ok(records.length > 1900 && payer > 0);
  });

  /** The records with record n's (1-based) payer replaced by `value`. */
  const withPayer = (lines: string[], n: number, value: string): string[] =>
    lines.map((line, i) => {
      if (i !== n - 1) return line;
      const fields = line.split(',');
      fields[payer] = value;
      return fields.join(',');
    });

  const write = async (name: string, lines: readonly string[]): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, `${[header, ...lines].join('\n')}\n`);
    return path;
  };

  const publishedRows = async (root: string): Promise<number> => {
    const [row] = await sql(
      `SELECT COUNT(*) AS n FROM read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))})`,
    ).catch(() => [{ n: 0 }]);
    return Number(row?.n);
  };

  it('rejects a file whose stray opening quote is never closed, naming its line, before a row is published', async () => {
    const file = await write('unclosed.csv', withPayer(records, 1000, '"Acme Health'));
    const root = join(dir, 'root-unclosed');
    const result = await claimflow('run', file, '--root', root, '--json');
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `unclosed\\.csv: record_count_mismatch: a quoted field opened on line 1001 is never closed: the ${records.length - 1000} line\\(s\\) after it`,
      ),
    );
    const run = JSON.parse(result.stdout) as RunJson;
    assert.equal(run.files[0]?.status, 'FAILED');
    assert.equal(await publishedRows(root), 0);
  });

  it('rejects a file where a stray quote pairs with a later one, naming the lines the record would swallow', async () => {
    const strayed = withPayer(withPayer(records, 1000, '"Acme Health'), 1500, '"Other" Payer');
    const file = await write('paired.csv', strayed);
    const root = join(dir, 'root-paired');
    const result = await claimflow('run', file, '--root', root, '--json', '--error-threshold', '1');
    assert.equal(result.code, 2, result.stderr);
    assert.match(
      result.stderr,
      /paired\.csv: record_count_mismatch: the record on lines 1001-1501 could not be read \(its quotes do not pair up\): the 501 lines in it would be lost/,
    );
    assert.equal(await publishedRows(root), 0);
  });

  it('numbers rows by their record, whatever blank or whitespace-only lines come before them', async () => {
    const ragged = 'C9,1,professional';
    const lines = records.slice(0, 1200).map((line, i) => (i === 799 ? ragged : line));
    // A blank line after record 200 and a whitespace-only line after record 500: neither is a record.
    const spaced = [...lines.slice(0, 200), '', ...lines.slice(200, 500), ' \t ', ...lines.slice(500)];
    const file = await write('spaced.csv', spaced);
    const root = join(dir, 'root-spaced');
    const result = await claimflow('run', file, '--root', root, '--json', '--error-threshold', '1');
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout) as RunJson;
    assert.equal(run.files[0]?.validation?.summary.total_records, 1200);
    const malformed = await sql(
      `SELECT source_row_number, extra_columns FROM read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))})
       WHERE list_contains(dq_errors, 'malformed_row')`,
    );
    assert.deepEqual(
      malformed.map((r) => [Number(r.source_row_number), JSON.parse(String(r.extra_columns)).source_line]),
      [[800, ragged]],
    );
    // Every published row is the record its number names, read from the file's own lines.
    const published = await sql(
      `SELECT source_row_number AS n, claim_id, claim_line_number FROM read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))})
       UNION ALL SELECT source_row_number, claim_id, TRY_CAST(claim_line_number AS INTEGER) FROM read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))})
       WHERE NOT list_contains(dq_errors, 'malformed_row')`,
    );
    const wrong = published.filter((r) => {
      const fields = (lines[Number(r.n) - 1] ?? '').split(',');
      // A line number that is not a number (a planted defect) is quarantined as NULL.
      const line = r.claim_line_number === null ? null : String(r.claim_line_number);
      return fields[0] !== r.claim_id || (line !== null && fields[1] !== line);
    });
    assert.ok(published.length > 1100, `${published.length} rows read back`);
    assert.deepEqual(wrong.slice(0, 3), []);
  });
});
