import { existsSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { findCodeSetFiles } from '../../domain/code-set-files.ts';
import type { CodeSetName } from '../../domain/code-sets.ts';
import { UsageError } from '../../domain/errors.ts';
import type { Engine } from '../../pipeline/ports.ts';
import { codeSetRelation, compileCodeSet } from '../../plan/compile-code-set.ts';
import { duckdbDialect as sql } from '../../plan/duckdb-dialect.ts';
import { literalPath } from '../../plan/duckdb-ingest.ts';

export const codeSetTable = codeSetRelation;

/**
 * Loads each reference list found under `folder` into a table of distinct codes, once per
 * run; rules then check membership with joins. Returns the lists that were loaded.
 */
export async function loadCodeSets(engine: Engine, folder: string | undefined): Promise<Set<CodeSetName>> {
  const loaded = new Set<CodeSetName>();
  if (!folder) return loaded;
  for (const [set, file] of findCodeSetFilesIn(folder)) {
    const source = `read_csv(${literalPath(file)}, header = true, all_varchar = true)`;
    await engine.run(
      `CREATE OR REPLACE TABLE ${sql.quoteIdent(codeSetTable(set))} AS ${compileCodeSet(sql, set, source)}`,
    );
    loaded.add(set);
  }
  return loaded;
}

/** Each reference list's file (its path) in a folder laid out like ../shared/refdata. */
export function findCodeSetFilesIn(folder: string): Map<CodeSetName, string> {
  if (!existsSync(folder)) throw new UsageError(`reference data folder ${folder}: no such folder`);
  const files = readdirSync(folder, { recursive: true, encoding: 'utf8' }).map((f) => f.split(sep).join('/'));
  return new Map([...findCodeSetFiles(files)].map(([set, file]) => [set, join(folder, file)]));
}
