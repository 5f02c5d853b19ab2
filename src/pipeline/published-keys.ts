import type { ObjectStore } from './object-store.ts';

/**
 * Deletes the keys under `prefix` that match `mine` and were not just published, so a corrected
 * delivery, or one run on the other engine, leaves none of the earlier outputs; returns them.
 */
export async function dropStale(
  store: Pick<ObjectStore, 'list' | 'delete'>,
  prefix: string,
  mine: RegExp,
  published: readonly string[],
): Promise<string[]> {
  const stale = (await store.list(prefix)).filter((k) => mine.test(k) && !published.includes(k));
  for (const key of stale) await store.delete(key);
  return stale;
}
