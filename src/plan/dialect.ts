/**
 * What differs between SQL engines. Rules, normalisation and enrichment are written once
 * against this interface; each engine supplies one object (DuckDB now, Spark for Glue).
 */
export interface SqlDialect {
  readonly name: string;
  quoteIdent(name: string): string;
  stringLiteral(value: string): string;
  dateLiteral(isoDate: string): string;
  /** Text to DATE trying every supported feed format; NULL when none matches. */
  parseDate(text: string): string;
  parseTimestamp(text: string): string;
  /** Text to DECIMAL(precision, scale); `$` and thousands separators allowed; NULL when not a number. */
  parseDecimal(text: string, precision: number, scale: number): string;
  parseInteger(text: string): string;
  /** TRUE when the whole of `text` matches the regular expression. */
  fullMatch(text: string, pattern: string): string;
  removeChars(text: string, chars: string): string;
  yearsBetween(from: string, to: string): string;
  daysBetween(from: string, to: string): string;
  formatYear(date: string): string;
  formatMonth(date: string): string;
  /** A 64-bit integer with bit i set when predicate i is TRUE (at most 63 predicates). */
  flagBits(predicates: readonly string[]): string;
  /** The array of (SQL literal) names whose bit is set in `flags`, `flagBits`' inverse. */
  namesOfFlags(flags: string, names: readonly string[]): string;
  listLength(list: string): string;
  listConcat(a: string, b: string): string;
  /** JSON text of an object with the given keys and SQL values. */
  jsonObject(entries: ReadonlyArray<readonly [string, string]>): string;
  /** TRUE when the list holds any of the (SQL literal) values. */
  listHasAny(list: string, values: readonly string[]): string;
  /** One output row per list element. */
  unnest(list: string): string;
  /** 64-bit hash over the values, used to find identical lines. */
  hashValues(values: readonly string[]): string;
}
