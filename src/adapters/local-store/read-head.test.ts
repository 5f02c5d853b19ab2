import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { countInflatedBytes, DamagedGzipError, readHead } from './read-head.ts';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'claimflow-read-head-'));
});

it('counts the inflated size of a gzip file, members and all', async () => {
  const path = join(dir, 'two-members.gz');
  await writeFile(path, Buffer.concat([gzipSync(Buffer.alloc(3_000_000, 'a')), gzipSync('tail\n')]));
  assert.equal(await countInflatedBytes(path, 10_000_000), 3_000_005);
  assert.equal(await countInflatedBytes(path, 3_000_005), 3_000_005, 'the limit itself is allowed');
});

it('stops at the limit: a bomb is not inflated whole', async () => {
  const path = join(dir, 'bomb.gz');
  const member = gzipSync(Buffer.alloc(64 * 1024 ** 2));
  // 64 members of 64 MiB of zeros: 4 GiB inflated, which would take seconds; stopping takes a moment.
  await writeFile(path, Buffer.concat(Array.from({ length: 64 }, () => member)));
  const started = performance.now();
  assert.equal(await countInflatedBytes(path, 1_000_000), null);
  assert.ok(performance.now() - started < 2_000, 'stopped early');
});

it('rejects cut or corrupted compressed data, whose head still reads', async () => {
  const path = join(dir, 'cut.gz');
  const whole = gzipSync(Buffer.alloc(2_000_000, 'b'));
  await writeFile(path, whole.subarray(0, whole.length - 100));
  await assert.rejects(countInflatedBytes(path, 10_000_000), (error: unknown) => {
    assert.ok(error instanceof DamagedGzipError);
    assert.match(error.message, /^the gzip data is damaged \(unexpected end of file\)/);
    return true;
  });
  const flipped = join(dir, 'flipped.gz');
  const bytes = Buffer.from(whole);
  // A bit of the CRC-32 in the trailer: the data inflates whole, and only the check can tell.
  bytes[bytes.length - 6] = (bytes[bytes.length - 6] as number) ^ 0x01;
  await writeFile(flipped, bytes);
  await assert.rejects(countInflatedBytes(flipped, 10_000_000), DamagedGzipError);
  const head = await readHead(path, 64 * 1024);
  assert.equal(head.gzip, true);
  assert.equal(head.bytes.toString().slice(0, 4), 'bbbb');
});
