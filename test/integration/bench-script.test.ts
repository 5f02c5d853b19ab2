import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../support/cli.ts';

const run = promisify(execFile);

/** Service months each shape's 20,000 lines span in the raw partitioned copy (a planted start-after-end defect can reach the next month). */
const MONTHS: Readonly<Record<string, [number, number]>> = { 'one-month': [1, 2], lag: [18, 19], backfill: [60, 61] };

it('npm run bench works end to end on small files of every shape and prints every figure (no timing asserted)', async () => {
  const dir = await tempDir('bench');
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'scripts/bench.ts',
      '--rows',
      '20000',
      '--dir',
      join(dir, 'bench'),
      '--no-append',
      '--no-spark',
    ],
    { maxBuffer: 1 << 24 },
  );
  assert.match(stdout, /\| shape \| lines \| service months \| CSV MB \| \(a\) s/);
  for (const [shape, [fewest, most]] of Object.entries(MONTHS)) {
    const row = stdout.split('\n').find((l) => l.startsWith(`| ${shape} | 20,000 |`));
    assert.ok(row, `${shape}: ${stdout}`);
    const cells = row
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    assert.equal(cells.length, 20);
    for (const [i, cell] of cells.slice(1, 14).entries()) assert.match(cell, /^[\d,.]+$/, `column ${i + 2}: ${cell}`);
    const months = Number(cells[2]);
    assert.ok(months >= fewest && months <= most, `${shape}: ${months} months`);
    for (const ratio of cells.slice(14, 16)) assert.match(ratio, /^\d+%$/);
    // Each stage against its raw equivalent: ingest / (t), check / check of (n) with the rules' seconds, publish / (p).
    assert.match(cells[16] ?? '', /^[\d.]+x$/);
    assert.match(cells[17] ?? '', /^[\d.]+x \(rules -?[\d.]+ s\)$/);
    assert.match(cells[18] ?? '', /^[\d.]+x$/);
    assert.match(cells[19] ?? '', /check [\d.]+, .*publish [\d.]+/);
  }
});
