import { quarantineFileKey } from '../../domain/store-layout.ts';
import type { ObjectStore } from '../object-store.ts';
import type { StagedFile } from './job-workspace.ts';

/** A file rejected whole, kept as it came under `quarantine/files/`; returns its key. */
export async function quarantineInput(
  store: ObjectStore,
  // A local file (DuckDB reads the input in place) or an object in the store (Spark's input).
  input: StagedFile,
  job: { readonly jobId: string; readonly fileName: string },
): Promise<string> {
  const key = quarantineFileKey(job.jobId, job.fileName);
  if ('local' in input) await store.copyIn(input.local, key);
  else await store.copy(input.key, key);
  return key;
}
