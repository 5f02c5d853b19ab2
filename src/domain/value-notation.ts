import type { SqlDialect } from './sql-dialect.ts';

/**
 * How source text becomes a value, the same on every engine: what counts as missing. Text that
 * only looks present (white space, zero-width characters, a null spelling) is NULL, so a required
 * column that holds it breaks `required_field_missing`.
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
