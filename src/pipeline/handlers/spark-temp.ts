import { tempPrefix } from '../../domain/store-layout.ts';
import { createLimiter } from '../limiter.ts';
import type { ObjectStore } from '../object-store.ts';
import { sparkManifestKey } from '../spark-job-manifest.ts';

/** Deletes of temp/<job_id>/ objects at once. */
const DELETES_AT_ONCE = 8;

/**
 * Everything under `temp/<job_id>/` (a Spark run's plan, outputs and scratch), the manifest
 * last: while it exists, a Glue job is not completed.
 */
export async function dropTemp(store: ObjectStore, jobId: string): Promise<void> {
  const manifest = sparkManifestKey(jobId);
  const keys = await store.list(tempPrefix(jobId));
  const slots = createLimiter(DELETES_AT_ONCE);
  await Promise.all(keys.filter((k) => k !== manifest).map((key) => slots(() => store.delete(key))));
  if (keys.includes(manifest)) await store.delete(manifest);
}
