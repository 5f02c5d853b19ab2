import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isClaimFileName, nonClaimReason } from '../domain/claim-file-name.ts';
import { UsageError } from '../domain/errors.ts';
import { globToRegExp } from '../domain/glob.ts';

const GLOB_CHARS = /[*?[]/;

/** Told about a file a folder or glob matched that is not read, and why. */
export type SkipReporter = (path: string, reason: string) => void;

export const warnOnStderr: SkipReporter = (path, reason) =>
  process.stderr.write(`claimflow: ${path}: skipped: ${reason}\n`);

/** An entry found walking a folder: a file, or a symbolic link, which is never followed. */
interface Found {
  readonly path: string;
  readonly link: boolean;
}

/**
 * Files, folders (their claim files, recursively) and globs, as a sorted list without repeats; a
 * name with glob characters is a glob only when no file or folder has that very name.
 * Symbolic links found in folders and globs are skipped (a link could lead anywhere on the
 * machine) and reported; a link named on the command line is the user's choice and is read.
 */
export function expandInputs(inputs: readonly string[], onSkip: SkipReporter = warnOnStderr): string[] {
  if (inputs.length === 0) throw new UsageError('no input files given');
  const files = new Set<string>();
  const take = (found: readonly Found[]): void => {
    for (const f of found) {
      const notClaims = f.link ? null : nonClaimReason(basename(f.path), readHead(f.path));
      if (f.link) onSkip(f.path, 'symbolic link (not followed)');
      else if (notClaims) onSkip(f.path, notClaims);
      else files.add(resolve(f.path));
    }
  };
  for (const input of inputs) {
    // A name that exists is the file the user named (the shell has already expanded any pattern):
    // `claims[1].csv` is that file, not a pattern matching claims1.csv.
    if (GLOB_CHARS.test(input) && !existsSync(input)) {
      const matches = matchGlob(input);
      if (matches.length === 0) throw new UsageError(`${input}: no files match`);
      take(matches);
      continue;
    }
    if (!existsSync(input)) throw new UsageError(`${input}: no such file or folder`);
    if (statSync(input).isDirectory()) take(walk(input).filter((f) => isClaimFileName(f.path)));
    else files.add(resolve(input));
  }
  return [...files].sort();
}

/** The first bytes of a file as text, enough to see its first line. */
function readHead(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function walk(dir: string): Found[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry): Found[] => {
    if (entry.name.startsWith('.')) return [];
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) return [{ path, link: true }];
    return entry.isDirectory() ? walk(path) : entry.isFile() ? [{ path, link: false }] : [];
  });
}

/** `*`, `?` and `**` globs, for shells that pass them through unexpanded. */
function matchGlob(pattern: string): Found[] {
  const parts = pattern.split('/');
  const firstWild = parts.findIndex((p) => GLOB_CHARS.test(p));
  const base = parts.slice(0, firstWild).join('/') || (pattern.startsWith('/') ? '/' : '.');
  if (!existsSync(base)) return [];
  const regex = globToRegExp(parts.slice(firstWild).join('/'));
  const relativeOf = (p: string): string => p.slice(base === '.' ? 0 : base.length + (base.endsWith('/') ? 0 : 1));
  return walk(base).filter((f) => regex.test(relativeOf(f.path)));
}
