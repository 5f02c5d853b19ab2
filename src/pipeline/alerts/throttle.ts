/**
 * Lets one occurrence per key through per window and counts the ones it holds back. Returns how
 * many occurrences the one let through stands for (itself and those held back since the last),
 * or 0 when this one is held back.
 */
export type Throttle = (key: string, nowMs: number) => number;

/** Keys remembered at most: a flood from ever-new addresses must not grow memory without bound. */
const MAX_KEYS = 10_000;

export function createThrottle(windowMs: number): Throttle {
  const seen = new Map<string, { passedAt: number; held: number }>();
  return (key, nowMs) => {
    const entry = seen.get(key);
    if (entry && nowMs - entry.passedAt < windowMs) {
      entry.held += 1;
      return 0;
    }
    seen.delete(key);
    if (seen.size >= MAX_KEYS) forgetOldest(seen, nowMs, windowMs);
    seen.set(key, { passedAt: nowMs, held: 0 });
    return 1 + (entry?.held ?? 0);
  };
}

/** Drops keys whose window is over; when none is, the longest-known key (maps keep insertion order). */
function forgetOldest(seen: Map<string, { passedAt: number }>, nowMs: number, windowMs: number): void {
  for (const [key, entry] of seen) if (nowMs - entry.passedAt >= windowMs) seen.delete(key);
  const oldest = seen.keys().next();
  if (seen.size >= MAX_KEYS && !oldest.done) seen.delete(oldest.value);
}
