import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeError } from '../../src/domain/redact.ts';
import { lit, sql, tempDir } from '../support/cli.ts';

/** Values of claim rows in the files DuckDB is made to fail on. */
const MARKERS = ['MZQX4471', 'Qorvent', 'Zyxwal', '1961-07-23', '4471.93', 'E1165'];
const ROW = 'MZQX4471,Zyxwal Qorvent,1961-07-23,E1165,4471.93';

/** DuckDB's own message for `query`, which must fail. */
async function engineError(query: string): Promise<string> {
  try {
    await sql(query);
  } catch (error) {
    return (error as Error).message;
  }
  return assert.fail(`expected DuckDB to fail on ${query}`);
}

describe('DuckDB error messages through the sanitiser', () => {
  let dir: string;
  const file = (name: string) => join(dir, name);
  const csv = (name: string, columns: string, extra = '') =>
    `SELECT * FROM read_csv(${lit(file(name))}, header = true, auto_detect = false, columns = {${columns}}${extra})`;
  const text = "'member_id': 'VARCHAR', 'name': 'VARCHAR', 'birth_date': 'VARCHAR', 'dx': 'VARCHAR', 'paid': 'VARCHAR'";

  before(async () => {
    dir = await tempDir('engine-errors');
    const header = 'member_id,name,birth_date,dx,paid';
    await writeFile(
      file('typed.csv'),
      `${header}\nMZQX0001,Ann Lee,1970-01-01,I10,12.00\n${ROW.replace('4471.93', 'MZQX4471')}\n`,
    );
    await writeFile(
      file('quote.csv'),
      `${header}\nMZQX0001,Ann Lee,1970-01-01,I10,12.00\nMZQX4471,"Zyxwal Qorvent,1961-07-23,E1165,4471.93\n`,
    );
    await writeFile(file('columns.csv'), `${header}\n${ROW},Zyxwal\n`);
    await writeFile(
      file('encoding.csv'),
      Buffer.concat([
        Buffer.from(`${header}\nMZQX0001,Ann Lee,1970-01-01,I10,12.00\n`),
        Buffer.from('MZQX4471,Zyxwal\xff Qorvent,1961-07-23,E1165,4471.93\n', 'latin1'),
      ]),
    );
    await writeFile(
      file('array.json'),
      '[{"member_id":"MZQX4471","name":"Zyxwal Qorvent"},\n{"birth_date":"1961-07-23","dx": E1165, "paid": 4471.93}]',
    );
    await writeFile(
      file('lines.ndjson'),
      '{"member_id":"MZQX4471"}\n{"name":"Zyxwal Qorvent","birth_date":"1961-07-23"\n',
    );
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<{ what: string; query: () => string; echoes: boolean; expected: RegExp }> = [
    {
      what: 'a conversion error while reading a typed CSV column',
      query: () => csv('typed.csv', text.replace("'paid': 'VARCHAR'", "'paid': 'DOUBLE'")),
      echoes: true,
      expected:
        /^Conversion Error: CSV Error on Line: 3; Error when converting column \[redacted\]\. Could not convert string \[redacted\] to DOUBLE/,
    },
    {
      what: 'a cast of a file value',
      query: () => `SELECT CAST(birth_date AS INTEGER) FROM (${csv('typed.csv', text)}) WHERE member_id = 'MZQX4471'`,
      echoes: true,
      expected: /^Conversion Error: Could not convert string \[redacted\] to INT32/,
    },
    {
      what: 'a date parsed with strptime, echoed under a caret',
      query: () => `SELECT strptime(member_id, '%Y-%m-%d') FROM (${csv('typed.csv', text)}) WHERE name LIKE 'Zyx%'`,
      echoes: true,
      expected: /^Invalid Input Error: Could not parse string \[redacted\] according to format specifier \[redacted\]/,
    },
    {
      what: 'an unterminated quote',
      query: () => csv('quote.csv', text),
      echoes: true,
      expected: /^Invalid Input Error: CSV Error on Line: 3; Value with unterminated quote found\.$/,
    },
    {
      what: 'a row with too many columns',
      query: () => csv('columns.csv', text),
      echoes: true,
      expected: /^Invalid Input Error: CSV Error on Line: 2; Expected Number of Columns: 5 Found: 6$/,
    },
    {
      what: 'bytes that are not UTF-8',
      query: () => csv('encoding.csv', text),
      echoes: true,
      expected: /^Invalid Input Error: CSV Error on Line: 3; Invalid unicode \(byte sequence mismatch\) detected\./,
    },
    {
      what: 'a malformed JSON array',
      query: () => `SELECT * FROM read_json_objects(${lit(file('array.json'))}, format = 'array')`,
      echoes: false,
      expected:
        /^Invalid Input Error: Malformed JSON in file \[redacted\], at byte \d+ in record\/value 3: unexpected character\.$/,
    },
    {
      what: 'a malformed NDJSON line',
      query: () => `SELECT * FROM read_json_objects(${lit(file('lines.ndjson'))}, format = 'newline_delimited')`,
      echoes: false,
      expected:
        /^Invalid Input Error: Malformed JSON in file \[redacted\], at byte \d+ in line 3: unexpected end of data\.$/,
    },
    {
      what: 'a JSON value quoted back after Input:',
      query: () => `SELECT json_extract('{"member_id": MZQX4471, "dob": "1961-07-23"}', '$.member_id')`,
      echoes: true,
      expected: /^Invalid Input Error: Malformed JSON at byte 14 of$/,
    },
  ];

  for (const { what, query, echoes, expected } of cases)
    it(`keeps the kind and position of ${what}, without the values`, async () => {
      const raw = await engineError(query());
      // The raw message does quote the file's content (or at least its path), so the test can fail.
      if (echoes)
        assert.ok(
          MARKERS.some((m) => raw.includes(m)),
          raw,
        );
      else assert.ok(raw.includes(dir), raw);
      const sanitized = describeError(new Error(raw));
      for (const marker of [...MARKERS, dir]) assert.ok(!sanitized.includes(marker), `${marker} in: ${sanitized}`);
      assert.match(sanitized, expected);
    });
});
