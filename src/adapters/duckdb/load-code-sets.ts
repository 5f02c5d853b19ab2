import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { CODE_SET_SOURCES, CODE_SETS, type CodeSetName } from '../../domain/code-sets.ts';
import { UsageError } from '../../domain/errors.ts';
import type { Engine } from '../../pipeline/ports.ts';
import { duckdbDialect as sql } from '../../plan/duckdb-dialect.ts';

export const codeSetTable = (set: CodeSetName): string => `ref_${set}`;

/**
 * Loads each reference list found under `folder` into a table of distinct codes, once per
 * run; rules then check membership with joins. Returns the lists that were loaded.
 */
export async function loadCodeSets(engine: Engine, folder: string | undefined): Promise<Set<CodeSetName>> {
  const loaded = new Set<CodeSetName>();
  if (!folder) return loaded;
  if (!existsSync(folder)) throw new UsageError(`reference data folder ${folder}: no such folder`);
  for (const set of CODE_SETS) {
    const source = CODE_SET_SOURCES[set];
    const file = latestMatch(folder, source.glob);
    if (!file) continue;
    const where = source.where ? `WHERE ${source.where}` : '';
    await engine.run(
      `CREATE OR REPLACE TABLE ${sql.quoteIdent(codeSetTable(set))} AS
       SELECT DISTINCT UPPER(TRIM(${sql.quoteIdent(source.column)})) AS code
       FROM read_csv(${sql.stringLiteral(file)}, header = true, all_varchar = true) ${where}`,
    );
    loaded.add(set);
  }
  return loaded;
}

/** The last file (by name, so the newest year) matching a `dir/prefix*suffix` pattern. */
function latestMatch(folder: string, glob: string): string | undefined {
  const dir = join(folder, dirname(glob));
  if (!existsSync(dir)) return undefined;
  const [prefix = '', suffix = ''] = posix.basename(glob).split('*');
  const exact = !posix.basename(glob).includes('*');
  const matches = readdirSync(dir)
    .filter((f) => (exact ? f === prefix : f.startsWith(prefix) && f.endsWith(suffix)))
    .sort();
  const last = matches.at(-1);
  return last ? join(dir, last) : undefined;
}
