import type { FileStamp } from '../ports.ts';
import type { JobContext } from './job-context.ts';

/**
 * The input is hashed, archived, counted and read in separate passes: if it was written to or
 * replaced meanwhile, what was read is not what the hash and the archive describe, and the file
 * is rejected rather than published under the wrong hash.
 */
export async function refuseChangedFile(job: JobContext, before: FileStamp): Promise<void> {
  const after = await job.readOrHalt(() => job.deps.files.stamp(job.path));
  const changes = [
    before.identity === after.identity ? null : 'it was replaced by another file',
    before.size === after.size ? null : `its size went from ${before.size} to ${after.size} bytes`,
    before.modified === after.modified ? null : 'its modification time changed',
  ].filter((change) => change !== null);
  if (changes.length === 0) return;
  throw job.halt(
    'file_changed_during_read',
    `the file changed while it was read (${changes.join('; ')}): send it again once it is complete`,
  );
}
