import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { RootNotWritableError, UsageError } from '../domain/errors.ts';

/**
 * The root a reader (`query`, `events`, `audit verify`, `dashboard`) opens, as an absolute path: a
 * file given as --root is a usage error naming it, not an engine's error about a path inside it.
 * `mayBeMissing`: `events --follow` may start before the first run makes the root.
 */
export function readerRoot(given: string, mayBeMissing = false): string {
  const root = resolve(given);
  if (!existsSync(root)) {
    if (mayBeMissing) return root;
    throw new UsageError(`--root ${given}: no such folder (run claimflow run first)`);
  }
  if (!statSync(root).isDirectory()) throw new RootNotWritableError(root, 'EEXIST');
  return root;
}
