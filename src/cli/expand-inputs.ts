import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isClaimFileName } from '../domain/claim-file-name.ts';
import { UsageError } from '../domain/errors.ts';
import { globToRegExp } from '../domain/glob.ts';

const GLOB_CHARS = /[*?[]/;

/** Files, folders (their claim files, recursively) and globs, as a sorted list without repeats. */
export function expandInputs(inputs: readonly string[]): string[] {
  if (inputs.length === 0) throw new UsageError('no input files given');
  const files = new Set<string>();
  for (const input of inputs) {
    const matches = GLOB_CHARS.test(input) ? matchGlob(input) : [input];
    if (matches.length === 0) throw new UsageError(`${input}: no files match`);
    for (const match of matches) {
      if (!existsSync(match)) throw new UsageError(`${match}: no such file or folder`);
      if (statSync(match).isDirectory()) {
        for (const f of walk(match)) if (isClaimFileName(f)) files.add(resolve(f));
      } else {
        files.add(resolve(match));
      }
    }
  }
  return [...files].sort();
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : entry.isFile() ? [path] : [];
  });
}

/** `*`, `?` and `**` globs, for shells that pass them through unexpanded. */
function matchGlob(pattern: string): string[] {
  const parts = pattern.split('/');
  const firstWild = parts.findIndex((p) => GLOB_CHARS.test(p));
  const base = parts.slice(0, firstWild).join('/') || (pattern.startsWith('/') ? '/' : '.');
  if (!existsSync(base)) return [];
  const regex = globToRegExp(parts.slice(firstWild).join('/'));
  return walk(base)
    .map((p) => p.slice(base === '.' ? 0 : base.length + (base.endsWith('/') ? 0 : 1)))
    .filter((p) => regex.test(p))
    .map((p) => (base === '.' ? p : join(base, p)));
}
