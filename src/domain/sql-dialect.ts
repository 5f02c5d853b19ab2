/**
 * What differs between SQL engines. Rules, normalisation and enrichment are written once
 * against this interface; each engine supplies one object in src/plan (DuckDB now, Spark for Glue).
 */
export interface SqlDialect {
  readonly name: 'duckdb' | 'spark';
  /**
   * Whether `x IN (SELECT ...)` may stand in a SELECT list. Spark allows it only in filters, so
   * there the code-set lookups over the code columns (CodeSetLookups) are LEFT JOINs; DuckDB runs
   * the subquery as a mark join.
   */
  readonly inSubqueryInSelect: boolean;
  /** The engine's name for variable-length text, in casts and typed NULLs. */
  readonly textType: string;
  /** Session settings the engine must have for this SQL to mean what it says. */
  readonly sessionSettings: Readonly<Record<string, string>>;
  quoteIdent(name: string): string;
  stringLiteral(value: string): string;
  dateLiteral(isoDate: string): string;
  /**
   * Trimmed text to DATE: `YYYY-MM-DD`, or a shape of `OTHER_DATE_PATTERN` (value-notation.ts) read
   * as its format; NULL for any other text and for dates not in the calendar (never rolled over).
   */
  parseDate(text: string): string;
  parseTimestamp(text: string): string;
  /** Text that is a plain decimal literal (sign, digits, point) to DECIMAL(precision, scale); NULL when it does not fit. */
  castDecimal(text: string, precision: number, scale: number): string;
  /** Text that is a sign and digits to INTEGER; NULL outside its range. */
  castInteger(text: string): string;
  /** `text` without the leading and trailing characters that are in `chars`. */
  trimChars(text: string, chars: string): string;
  /** TRUE when the whole of `text` matches the regular expression. */
  fullMatch(text: string, pattern: string): string;
  removeChars(text: string, chars: string): string;
  /** `text` without the leading characters that are in `chars`. */
  trimLeading(text: string, chars: string): string;
  yearsBetween(from: string, to: string): string;
  daysBetween(from: string, to: string): string;
  /** The DATE `days` days after (before, when negative) a DATE. */
  addDays(date: string, days: number): string;
  formatYear(date: string): string;
  /** The list of first days of each month from `from`'s month to `to`'s, as DATEs. */
  monthStarts(from: string, to: string): string;
  formatMonth(date: string): string;
  /** A 64-bit integer with bit i set when predicate i is TRUE (at most 63 predicates). */
  flagBits(predicates: readonly string[]): string;
  /** The array of (SQL literal) names whose bit is set in `flags`, `flagBits`' inverse. */
  namesOfFlags(flags: string, names: readonly string[]): string;
  /** A list of text from SQL values (typed even when empty). */
  textList(values: readonly string[]): string;
  listConcat(a: string, b: string): string;
  /** JSON text of an object with the given keys and SQL values. */
  jsonObject(entries: ReadonlyArray<readonly [string, string]>): string;
  /** The text of a top-level field of JSON text (`key` is a plain name); NULL when absent or null. */
  jsonText(json: string, key: string): string;
  /** JSON text parsed once into a struct of text fields named `keys` (plain names). */
  jsonTextStruct(json: string, keys: readonly string[]): string;
  /** One output row per list element. */
  unnest(list: string): string;
  /** 64-bit hash over the values, used to find identical lines. */
  hashValues(values: readonly string[]): string;
  /** TRUE for the rows whose `hash` (a `hashValues`) falls in slice `index` of `of`. */
  hashSlice(hash: string, of: number, index: number): string;
  /** Lower-case hex HMAC-SHA-256 of the UTF-8 bytes of `text`, keyed by `pads`; NULL for NULL. */
  hmacSha256(text: string, pads: HmacPads): string;
}

/**
 * HMAC's inner and outer key pads (RFC 2104) as hex. Precomputed once, so the SQL only hashes
 * twice per value: sha256(outer || sha256(inner || value)).
 */
export interface HmacPads {
  readonly inner: string;
  readonly outer: string;
}
