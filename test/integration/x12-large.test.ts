import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureX12Memory } from '../support/x12-memory.ts';

const MIB = 1024 * 1024;

/**
 * The converter streams: its peak memory does not grow with the file. The full 1 GiB run takes
 * about three minutes on a busy 2-core machine, so it is `tsx scripts/x12-memory.ts 1024`
 * (measured: 1,024 MiB, 2,185,551 claims, 5,463,879 lines, peak RSS 186 MiB); this test runs the
 * same path on two smaller files and checks that six times the input barely changes the peak.
 */
describe('X12 conversion of large files', () => {
  it('converts a 64 MiB and a 384 MiB 837P with the same bounded peak RSS, well under 1 GiB', async (t) => {
    const small = await measureX12Memory(64 * MIB);
    const large = await measureX12Memory(384 * MIB);
    for (const run of [small, large]) {
      t.diagnostic(
        `${Math.round(run.generated.bytes / MIB)} MiB, ${run.lines} lines: ${Math.round(run.convertSeconds)} s, peak RSS ${Math.round(run.maxRssBytes / MIB)} MiB`,
      );
    }
    for (const run of [small, large]) {
      assert.equal(run.errors, 0);
      assert.equal(run.claims, run.generated.claims, 'every generated claim is converted');
      assert.equal(run.lines, run.generated.lines, 'every generated service line is converted');
      assert.ok(run.maxRssBytes < 1024 * MIB, `peak RSS ${Math.round(run.maxRssBytes / MIB)} MiB`);
    }
    assert.ok(large.generated.bytes >= 384 * MIB && large.lines > 2_000_000, `${large.lines} lines`);
    // Holding the input (or the output) would add at least the 320 MiB of extra input; heap sizing varies by tens of MiB.
    const growth = (large.maxRssBytes - small.maxRssBytes) / MIB;
    assert.ok(growth < 128, `peak RSS grew by ${Math.round(growth)} MiB for 320 MiB more input`);
    assert.ok(large.maxRssBytes < large.generated.bytes, 'less memory than the file itself');
  });
});
