import type { SqlDialect } from './sql-dialect.ts';

/**
 * How source text becomes a value, the same on every engine: what counts as missing, and the one
 * notation each kind of number accepts. Text in any other notation is never guessed at, rounded
 * or reinterpreted: its typed value is NULL, so the column's rule (`invalid_amount`,
 * `invalid_claim_line_number`, ...) quarantines the row. docs/value-notations.md states the same
 * for users.
 */

/**
 * Trimmed from both ends of every value: ASCII and Unicode white space (tab, line breaks, no-break
 * and typographic spaces) and the zero-width characters (zero-width space, joiners, word joiner,
 * byte order mark). A value made of nothing else is missing.
 */
export const BLANK_CHARACTERS: string = [
  '\t\n\u000B\f\r \u0085\u00A0\u1680',
  ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)),
  '\u200B\u200C\u200D\u2028\u2029\u202F\u205F\u2060\u3000\uFEFF',
].join('');

/** Whole values that stand for "no value" in exports, compared without regard to case after trimming. */
export const NULL_SPELLINGS = ['NULL', 'NA', 'N/A', '#N/A', 'NONE', 'NAN', '\\N'] as const;

/** The inside of a regular expression's `[...]` holding `chars`: code points as `\x{hex}` (read alike by RE2 and Java), runs as ranges. */
function characterClassOf(chars: string): string {
  const points = [...new Set([...chars].map((c) => c.codePointAt(0) ?? 0))].sort((a, b) => a - b);
  const hex = (point: number): string => `\\x{${point.toString(16)}}`;
  const runs: Array<[number, number]> = [];
  for (const point of points) {
    const last = runs.at(-1);
    if (last && last[1] === point - 1) last[1] = point;
    else runs.push([point, point]);
  }
  return runs.map(([from, to]) => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`)).join('');
}

const BLANK_CLASS = `[${characterClassOf(BLANK_CHARACTERS)}]`;
const NULL_SPELLING_PATTERN = `(?i:${NULL_SPELLINGS.map((s) => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')).join('|')})`;
/** Text that `presentTextOf` has to look at: empty, a blank character at either end, or a null spelling. */
const NEEDS_TRIMMING = `(?:(?s:${BLANK_CLASS}.*|.*${BLANK_CLASS})|${NULL_SPELLING_PATTERN})?`;

/** A value's text trimmed of `BLANK_CHARACTERS`; NULL when nothing is left or it is one of `NULL_SPELLINGS`. */
export function presentTextOf(sql: SqlDialect, expr: string): string {
  // Trimming a set of characters costs several times a plain TRIM, and a list of constants to
  // compare with as much again: nearly every value passes one regular expression and is kept whole.
  const trimmed = sql.trimChars(expr, BLANK_CHARACTERS);
  const looked = `CASE WHEN ${sql.fullMatch(trimmed, NULL_SPELLING_PATTERN)} THEN NULL ELSE NULLIF(${trimmed}, '') END`;
  return `CASE WHEN ${sql.fullMatch(expr, NEEDS_TRIMMING)} THEN ${looked} ELSE ${expr} END`;
}

/** A whole number: an optional sign and ASCII digits; no point, exponent, separator or base prefix. */
export const INTEGER_PATTERN = '[+-]?[0-9]+';

/** The INTEGER of trimmed text in `INTEGER_PATTERN`; NULL for any other text or outside the INTEGER range. */
export function integerOf(sql: SqlDialect, text: string): string {
  return `CASE WHEN ${sql.fullMatch(text, INTEGER_PATTERN)} THEN ${sql.castInteger(text)} END`;
}

/**
 * How a source writes decimals. `decimal_point` (the default): `1234.56`, `1,234.56`, digits grouped
 * in threes by commas. `decimal_comma` (a source's opt-in, per column): `1234,56`, `1.234,56`.
 */
export const NUMBER_FORMATS = ['decimal_point', 'decimal_comma'] as const;
export type NumberFormat = (typeof NUMBER_FORMATS)[number];

export interface DecimalNotation {
  readonly precision: number;
  /** Decimal places kept; more are accepted only when they are all zeros (`12.5000` is 12.50, `12.005` is rejected). */
  readonly scale: number;
  /** A `$` before or after the sign (`$12.50`, `-$12.50`, `$-12.50`); decimal point notation only. */
  readonly currency?: boolean;
  readonly format?: NumberFormat;
}

/**
 * The regular expression a decimal's trimmed text must match whole: an optional sign (and `$`,
 * with the decimal point), digits optionally grouped in threes (by commas, or by points with the
 * decimal comma), then the decimal separator and decimal places.
 */
export function decimalPattern({ scale, currency = false, format = 'decimal_point' }: DecimalNotation): string {
  const [point, group] = format === 'decimal_comma' ? [',', '\\.'] : ['\\.', ','];
  const sign = currency && format === 'decimal_point' ? '(?:[+-]|\\$[+-]?|[+-]\\$)?' : '[+-]?';
  const places = `${point}[0-9]{1,${scale}}0*`;
  return `${sign}(?:(?:[0-9]+|[0-9]{1,3}(?:${group}[0-9]{3})+)(?:${places})?|${places})`;
}

/** The DECIMAL of trimmed text in `decimalPattern(notation)`; NULL for any other text or when it does not fit. */
export function decimalOf(sql: SqlDialect, text: string, notation: DecimalNotation): string {
  const plain =
    notation.format === 'decimal_comma'
      ? `replace(${sql.removeChars(text, '.')}, ',', '.')`
      : sql.removeChars(text, notation.currency ? '$,' : ',');
  return `CASE WHEN ${sql.fullMatch(text, decimalPattern(notation))} THEN ${sql.castDecimal(plain, notation.precision, notation.scale)} END`;
}

/** Dates the normalise stage reads: `YYYY-MM-DD` (the fast path of `SqlDialect.parseDate`). */
export const ISO_DATE_PATTERN = '[0-9]{4}-[0-9]{2}-[0-9]{2}';
/** The other date shapes it reads: `YYYYMMDD`, `M/D/YYYY` (month and day of one or two digits), `D-Mon-YYYY`. */
export const OTHER_DATE_PATTERN = '[0-9]{8}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}|[0-9]{1,2}-[A-Za-z]{3}-[0-9]{4}';
