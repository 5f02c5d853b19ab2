import type { ObjectStore } from './object-store.ts';

/** The `YYYY-MM` of a key under a `year=YYYY/month=MM/` partition, or `unknown`. */
export function monthOf(key: string): string {
  const match = /year=(\d{4})\/month=(\d{2})/.exec(key);
  return match ? `${match[1]}-${match[2]}` : 'unknown';
}

/** `text` matched literally inside a regular expression (a source key holds dots). */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A source's published claim files, in any month: `<sourceKey>-<n>.parquet`. */
export function ownClaimFiles(sourceKey: string): RegExp {
  return new RegExp(`/${escapeRegExp(sourceKey)}-\\d+\\.parquet$`);
}

/** A source's quarantined-row files: one file from DuckDB, numbered part files from Spark. */
export function ownQuarantineFiles(sourceKey: string): RegExp {
  return new RegExp(`^quarantine/rows/${escapeRegExp(sourceKey)}(-\\d+)?\\.parquet$`);
}

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
