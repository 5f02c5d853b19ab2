import assert from 'node:assert/strict';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { expandInputs } from './expand-inputs.ts';

it('skips symbolic links found in folders and globs, reporting each, and reads a link named on the command line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'claimflow-expand-'));
  const outside = join(dir, 'outside.csv');
  await writeFile(outside, 'claim_id\n');
  const folder = join(dir, 'in');
  await mkdir(join(folder, 'sub'), { recursive: true });
  await writeFile(join(folder, 'a.csv'), 'claim_id\n');
  await writeFile(join(folder, 'sub', 'b.csv'), 'claim_id\n');
  await symlink(outside, join(folder, 'link.csv'));
  await symlink(dir, join(folder, 'sub', 'loop'));
  const skipped: string[] = [];
  const onSkip = (path: string, reason: string) => skipped.push(`${path}: ${reason}`);

  assert.deepEqual(expandInputs([folder], onSkip), [join(folder, 'a.csv'), join(folder, 'sub', 'b.csv')]);
  assert.deepEqual(skipped, [`${join(folder, 'link.csv')}: symbolic link (not followed)`]);

  skipped.length = 0;
  assert.deepEqual(expandInputs([`${folder}/**/*.csv`], onSkip), [join(folder, 'a.csv'), join(folder, 'sub', 'b.csv')]);
  assert.deepEqual(skipped, [`${join(folder, 'link.csv')}: symbolic link (not followed)`]);

  skipped.length = 0;
  assert.deepEqual(expandInputs([join(folder, 'link.csv')], onSkip), [join(folder, 'link.csv')]);
  assert.deepEqual(skipped, []);
});

it('takes a name with glob characters as that file when it exists, and as a pattern only when it does not', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'claimflow-expand-'));
  for (const name of ['claims[1].csv', 'claims1.csv', 'feed*.csv', 'feedA.csv', 'q?.csv', 'qA.csv']) {
    await writeFile(join(dir, name), 'claim_id\n');
  }
  assert.deepEqual(expandInputs([join(dir, 'claims[1].csv')]), [join(dir, 'claims[1].csv')]);
  assert.deepEqual(expandInputs([join(dir, 'feed*.csv')]), [join(dir, 'feed*.csv')]);
  assert.deepEqual(expandInputs([join(dir, 'q?.csv')]), [join(dir, 'q?.csv')]);
  assert.deepEqual(expandInputs([join(dir, 'claims*.csv')]), [join(dir, 'claims1.csv'), join(dir, 'claims[1].csv')]);
  assert.deepEqual(expandInputs([join(dir, 'feed?.csv')]), [join(dir, 'feed*.csv'), join(dir, 'feedA.csv')]);
});
