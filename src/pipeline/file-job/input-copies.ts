import { quarantineFileKey } from '../../domain/store-layout.ts';
import type { ObjectStore } from '../object-store.ts';
import type { StagedFile } from './job-workspace.ts';

/** A job's input as the store reaches it: a local file (DuckDB reads it in place) or an object (Spark's). */
export type InputFile = StagedFile;

/** A file rejected whole, kept as it came under `quarantine/files/`; returns its key. */
export async function quarantineInput(
  store: ObjectStore,
  input: InputFile,
  job: { readonly jobId: string; readonly fileName: string },
): Promise<string> {
  const key = quarantineFileKey(job.jobId, job.fileName);
  if ('local' in input) await store.copyIn(input.local, key);
  else await store.copy(input.key, key);
  return key;
}
