import { CODE_SET_SOURCES, type CodeSetName } from '../domain/code-sets.ts';
import type { SqlDialect } from '../domain/sql-dialect.ts';

/** The relation (table or view) holding a reference list's codes. */
export const codeSetRelation = (set: CodeSetName): string => `ref_${set}`;

/** The distinct codes of a reference list, in a column named `code`, from `source`: its file read as text columns. */
export function compileCodeSet(sql: SqlDialect, set: CodeSetName, source: string): string {
  const { column, where } = CODE_SET_SOURCES[set];
  return `SELECT DISTINCT UPPER(TRIM(${sql.quoteIdent(column)})) AS code FROM ${source}${where ? ` WHERE ${where}` : ''}`;
}
