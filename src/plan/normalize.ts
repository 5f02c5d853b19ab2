import type { CanonicalColumn, ColumnKind } from '../domain/canonical-model.ts';
import type { SqlDialect } from '../domain/sql-dialect.ts';
import { decimalOf, integerOf, type NumberFormat, presentTextOf } from '../domain/value-notation.ts';

export const AMOUNT_TYPE = { precision: 12, scale: 2 } as const;
export const QUANTITY_TYPE = { precision: 12, scale: 3 } as const;

/**
 * Source text trimmed of blank characters, NULL when it only looks present (blank, zero-width,
 * a null spelling): what rules call "text" (value-notation.ts).
 */
export function trimmedTextOf(sql: SqlDialect, column: string): string {
  return presentTextOf(sql, sql.quoteIdent(column));
}

/** The typed, normalised value of a column, computed from its text. */
export function typedValueOf(sql: SqlDialect, column: CanonicalColumn): string {
  return typedValueFrom(sql, column, trimmedTextOf(sql, column.name));
}

/**
 * The typed, normalised value of a column from `text`, its `trimmedTextOf` (computed once, as the
 * check stage does, since every kind reads it several times); `format` is how the source writes decimals.
 */
export function typedValueFrom(
  sql: SqlDialect,
  { kind, width }: CanonicalColumn,
  text: string,
  format: NumberFormat = 'decimal_point',
): string {
  switch (kind) {
    case 'id':
    case 'text':
      return text;
    case 'code':
      return width ? padCode(sql, text, width) : `UPPER(${text})`;
    case 'ndc':
      return ndcOf(sql, text);
    case 'icd':
      return `UPPER(${sql.removeChars(text, '.')})`;
    case 'label':
      return `LOWER(${text})`;
    case 'date':
      return sql.parseDate(text);
    case 'timestamp':
      return sql.parseTimestamp(text);
    case 'amount':
      return decimalOf(sql, text, { ...AMOUNT_TYPE, currency: true, format });
    case 'quantity':
      return decimalOf(sql, text, { ...QUANTITY_TYPE, format });
    case 'integer':
      return integerOf(sql, text);
  }
}

/** Numeric codes to their standard width: '1' -> '01' (POS), '450' -> '0450' (revenue), '0111' -> '111' (bill type). */
function padCode(sql: SqlDialect, text: string, width: number): string {
  return `CASE WHEN ${sql.fullMatch(text, `[0-9]{1,${width - 1}}`)} THEN LPAD(${text}, ${width}, '0')
    WHEN ${sql.fullMatch(text, `0[0-9A-Za-z]{${width}}`)} THEN UPPER(SUBSTRING(${text}, 2))
    ELSE UPPER(${text}) END`;
}

/**
 * An NDC to its 11-digit (5-4-2) form: hyphens dropped from 5-4-2, and each 10-digit hyphenated
 * form (4-4-2, 5-3-2, 5-4-1) given the leading zero of its short segment. Any other shape (a
 * bare 10-digit code is ambiguous) stays as written, upper-cased, for invalid_ndc to see.
 */
function ndcOf(sql: SqlDialect, text: string): string {
  const part = (from: number, length: number): string => `SUBSTRING(${text}, ${from}, ${length})`;
  return `CASE WHEN ${sql.fullMatch(text, '[0-9]{5}-[0-9]{4}-[0-9]{2}')} THEN CONCAT(${part(1, 5)}, ${part(7, 4)}, ${part(12, 2)})
    WHEN ${sql.fullMatch(text, '[0-9]{4}-[0-9]{4}-[0-9]{2}')} THEN CONCAT('0', ${part(1, 4)}, ${part(6, 4)}, ${part(11, 2)})
    WHEN ${sql.fullMatch(text, '[0-9]{5}-[0-9]{3}-[0-9]{2}')} THEN CONCAT(${part(1, 5)}, '0', ${part(7, 3)}, ${part(11, 2)})
    WHEN ${sql.fullMatch(text, '[0-9]{5}-[0-9]{4}-[0-9]')} THEN CONCAT(${part(1, 5)}, ${part(7, 4)}, '0', ${part(12, 1)})
    ELSE UPPER(${text}) END`;
}

/** SQL type of each kind; null for text, whose name differs between engines. */
const SQL_TYPES: Readonly<Record<ColumnKind, string | null>> = {
  id: null,
  code: null,
  ndc: null,
  icd: null,
  label: null,
  text: null,
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  amount: `DECIMAL(${AMOUNT_TYPE.precision},${AMOUNT_TYPE.scale})`,
  quantity: `DECIMAL(${QUANTITY_TYPE.precision},${QUANTITY_TYPE.scale})`,
  integer: 'INTEGER',
};

/** The typed NULL standing in for a column a file does not have. */
export function nullOf(sql: SqlDialect, kind: ColumnKind): string {
  return `CAST(NULL AS ${SQL_TYPES[kind] ?? sql.textType})`;
}
