import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { claimflow, tempDir } from '../support/cli.ts';

/** 130,000 rows with a timestamp each: past the size where `query` used to overflow its stack. */
/** The last row's timestamp, worked out apart from DuckDB. */
const LAST_TS = new Date(Date.parse('2025-10-01T10:20:30Z') + 129_999_000).toISOString().replace('T', ' ').slice(0, 19);
const BIG = `SELECT range AS n, TIMESTAMP '2025-10-01 10:20:30' + to_seconds(range) AS ts FROM range(130000) ORDER BY n`;

describe('claimflow query: large, empty, wide and wrong', () => {
  let root: string;

  before(async () => {
    root = join(await tempDir('query'), 'root');
    await mkdir(root);
  });

  it('streams 130,000 rows as CSV with timestamps intact', async () => {
    const result = await claimflow('query', BIG, '--root', root, '--format', 'csv');
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 130_001);
    assert.deepEqual(lines.slice(0, 3), ['n,ts', '0,2025-10-01 10:20:30', '1,2025-10-01 10:20:31']);
    assert.equal(lines.at(-1), `129999,${LAST_TS}`);
  });

  it('streams 130,000 rows as JSON', async () => {
    const result = await claimflow('query', BIG, '--root', root, '--format', 'json');
    assert.equal(result.code, 0, result.stderr);
    const rows = JSON.parse(result.stdout) as Array<{ n: number }>;
    assert.equal(rows.length, 130_000);
    assert.equal(rows.at(-1)?.n, 129_999);
  });

  it('elides the middle rows of a large table like DuckDB, and says how many there are', async () => {
    const result = await claimflow('query', BIG, '--root', root);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.match(lines[0] ?? '', /^n +ts$/);
    assert.match(lines[2] ?? '', /^0 +2025-10-01 10:20:30$/);
    assert.ok(
      lines.some((l) => /^·/.test(l)),
      'a marker where rows were left out',
    );
    assert.equal(lines.at(-2), `129999  ${LAST_TS}`);
    assert.equal(lines.at(-1), '(130000 rows, 40 shown; --max-rows 0 or --format csv for all)');
    const all = await claimflow('query', 'SELECT * FROM range(100)', '--root', root, '--max-rows', '0');
    assert.match(all.stdout, /\n\(100 rows\)\n$/);
  });

  it('prints the header of an empty result', async () => {
    const table = await claimflow('query', "SELECT 1 AS a, 'x' AS b WHERE false", '--root', root);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stdout, 'a  b\n-  -\n(0 rows)\n');
    const csv = await claimflow('query', "SELECT 1 AS a, 'x' AS b WHERE false", '--root', root, '--format', 'csv');
    assert.equal(csv.stdout, 'a,b\n');
  });

  it('keeps DuckDB\'s "Did you mean" hint', async () => {
    const result = await claimflow('query', 'SELECT abss(-1)', '--root', root);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /claimflow: query failed: Catalog Error: Scalar Function with name abss does not exist!/,
    );
    assert.match(result.stderr, /Did you mean "abs/);
  });

  it('elides columns to the width, keeping the first and last', async () => {
    const columns = Array.from({ length: 60 }, (_, i) => `'value-${i}' AS column_${i}`).join(', ');
    const result = await claimflow('query', `SELECT ${columns}`, '--root', root, '--max-width', '80');
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    for (const line of lines.slice(0, -1)) assert.ok(line.length <= 80, `${line.length}: ${line}`);
    assert.match(lines[0] ?? '', /^column_0 .* … .*column_59$/);
    assert.match(lines.at(-1) ?? '', /^\(1 row; 60 columns, \d+ shown; --max-width 0 for all\)$/);
    const full = await claimflow('query', `SELECT ${columns}`, '--root', root, '--format', 'csv');
    assert.equal(full.stdout.split('\n')[0]?.split(',').length, 60);
  });
});
