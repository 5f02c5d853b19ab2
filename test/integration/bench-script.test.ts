import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { tempDir } from '../support/cli.ts';

const run = promisify(execFile);

it('npm run bench works end to end on a small file and prints every figure (no timing asserted)', async () => {
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
  const row = stdout.split('\n').find((l) => l.startsWith('| 20,000 |'));
  assert.ok(row, stdout);
  const cells = row
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
  assert.equal(cells.length, 15);
  for (const [i, cell] of cells.slice(1, 11).entries()) assert.match(cell, /^[\d,.]+$/, `column ${i + 2}: ${cell}`);
  for (const ratio of cells.slice(11, 14)) assert.match(ratio, /^\d+%$/);
  assert.match(cells[14] ?? '', /check [\d.]+/);
  assert.match(stdout, /\| lines \| CSV MB \| \(a\) s/);
});
