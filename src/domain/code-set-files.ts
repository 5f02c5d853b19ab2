import { CODE_SET_SOURCES, CODE_SETS, type CodeSetName } from './code-sets.ts';
import { globToRegExp } from './glob.ts';

/**
 * The file of each reference list among `paths` ('/'-separated, relative to the reference-data
 * folder or prefix): the last match by name, so the newest year. Lists with no file are absent.
 */
export function findCodeSetFiles(paths: readonly string[]): Map<CodeSetName, string> {
  const found = new Map<CodeSetName, string>();
  const sorted = [...paths].sort();
  for (const set of CODE_SETS) {
    const pattern = globToRegExp(CODE_SET_SOURCES[set].glob);
    const last = sorted.filter((p) => pattern.test(p)).at(-1);
    if (last) found.set(set, last);
  }
  return found;
}
