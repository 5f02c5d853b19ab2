import { chmod, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Owner-only modes of everything under a root: claims are PHI. */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` and any missing parents with mode 0700. mkdir's mode passes through the umask,
 * so each folder it made is chmod-ed to exactly 0700; folders that existed are left as they are.
 */
export async function makePrivateDir(dir: string): Promise<void> {
  const target = resolve(dir);
  const first = await mkdir(target, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  const top = resolve(first);
  for (let folder = target; ; folder = dirname(folder)) {
    await chmod(folder, PRIVATE_DIR_MODE);
    if (folder === top || folder === dirname(folder)) return;
  }
}
