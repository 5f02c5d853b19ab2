import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createThrottle } from './throttle.ts';

describe('createThrottle', () => {
  it('lets one occurrence per key through per window and counts those it held back', () => {
    const throttle = createThrottle(60_000);
    const seen = [0, 1_000, 30_000, 59_999].map((t) => throttle('10.0.0.1', t));
    assert.deepEqual(seen, [1, 0, 0, 0]);
    // The next one after the window stands for itself and the three held back.
    assert.equal(throttle('10.0.0.1', 60_000), 4);
    assert.equal(throttle('10.0.0.1', 60_001), 0);
    assert.equal(throttle('10.0.0.1', 200_000), 2);
  });

  it('keeps a window per key', () => {
    const throttle = createThrottle(60_000);
    assert.deepEqual(
      ['a', 'b', 'a', 'b', 'c'].map((key) => throttle(key, 10)),
      [1, 1, 0, 0, 1],
    );
  });

  it('remembers a bounded number of keys, forgetting the oldest first', () => {
    const throttle = createThrottle(60_000);
    for (let i = 0; i < 10_000; i++) throttle(`addr-${i}`, 0);
    // Still within the window: remembered, so held back.
    assert.equal(throttle('addr-1', 1), 0);
    // One more key pushes out the oldest, whose next occurrence passes again.
    assert.equal(throttle('addr-new', 2), 1);
    assert.equal(throttle('addr-0', 3), 1);
    assert.equal(throttle('addr-2', 4), 0);
  });
});
