import type { SqlDialect } from '../domain/sql-dialect.ts';
import { ISO_DATE_PATTERN, OTHER_DATE_PATTERN } from '../domain/value-notation.ts';
import { sumOfFlagBits } from './dialect.ts';

/**
 * What the SQL below assumes of the session. Without it a bad cast or date fails the job instead
 * of giving NULL (ANSI mode), a date in a shape the pre-3.0 parser took throws an upgrade error,
 * `Z` timestamps depend on the cluster's time zone, and Parquet timestamps are written as INT96.
 * Timestamps carry no zone (TIMESTAMP_NTZ), as DuckDB's TIMESTAMP, so both engines write the same
 * Parquet type; the Parquet codec is zstd, the one DuckDB publishes with (docs/BENCHMARKS.md).
 * Adaptive execution coalesces small shuffle partitions and splits skewed join partitions.
 * Constraint propagation is off: on plans this wide (a column per canonical field, a predicate per
 * rule) it costs seconds of planning per statement and finds nothing to prune.
 */
const SESSION_SETTINGS: Readonly<Record<string, string>> = {
  'spark.sql.ansi.enabled': 'false',
  'spark.sql.legacy.timeParserPolicy': 'CORRECTED',
  'spark.sql.session.timeZone': 'UTC',
  'spark.sql.timestampType': 'TIMESTAMP_NTZ',
  'spark.sql.parquet.outputTimestampType': 'TIMESTAMP_MICROS',
  'spark.sql.parquet.compression.codec': 'zstd',
  'spark.sql.adaptive.enabled': 'true',
  'spark.sql.adaptive.coalescePartitions.enabled': 'true',
  'spark.sql.adaptive.skewJoin.enabled': 'true',
  'spark.sql.constraintPropagation.enabled': 'false',
};

/** The feed date formats of the DuckDB dialect, as Java patterns (parsed case-insensitively by Spark). */
const DATE_FORMATS = ['yyyyMMdd', 'M/d/yyyy', 'd-MMM-yyyy'];
const TIMESTAMP_FORMATS = [
  'yyyy-MM-dd HH:mm:ss',
  'yyyy-MM-dd HH:mm:ss.SSSSSS',
  "yyyy-MM-dd'T'HH:mm:ss",
  "yyyy-MM-dd'T'HH:mm:ss'Z'",
  "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
  'yyyy-MM-dd',
  ...DATE_FORMATS,
];
const INT_MAX = 2147483647;

/**
 * Spark reads backslash escapes in string literals and joins adjacent literals, so a quote is
 * escaped with a backslash, never doubled.
 */
const quoteString = (value: string): string => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const textList = (values: readonly string[]): string =>
  values.length === 0 ? 'CAST(array() AS ARRAY<STRING>)' : `array(${values.join(', ')})`;
const trimLeading = (text: string, chars: string): string => `TRIM(LEADING ${quoteString(chars)} FROM ${text})`;
/** RLIKE finds; anchoring with \z (not $, which also matches before a final newline) makes it whole. */
const fullMatch = (text: string, pattern: string): string => `(${text} RLIKE ${quoteString(`^(?:${pattern})\\z`)})`;

/** Spark SQL 3.3+ (Glue 4 and 5), run with its `sessionSettings`. */
export const sparkDialect: SqlDialect = {
  name: 'spark',
  inSubqueryInSelect: false,
  // Spark rejects VARCHAR without a length.
  textType: 'STRING',
  sessionSettings: SESSION_SETTINGS,
  quoteIdent: (name) => `\`${name.replaceAll('`', '``')}\``,
  stringLiteral: quoteString,
  dateLiteral: (isoDate) => `DATE ${quoteString(isoDate)}`,
  // The same shapes as DuckDB's: Spark's cast also forgives text after the date, and each format
  // is tried only on text of a shape it reads whole.
  parseDate: (text) =>
    `CASE WHEN ${fullMatch(text, ISO_DATE_PATTERN)} THEN CAST(${text} AS DATE)
      WHEN ${fullMatch(text, OTHER_DATE_PATTERN)} THEN coalesce(${DATE_FORMATS.map((f) => `to_date(${text}, ${quoteString(f)})`).join(', ')}) END`,
  parseTimestamp: (text) =>
    `coalesce(${TIMESTAMP_FORMATS.map((f) => `to_timestamp(${text}, ${quoteString(f)})`).join(', ')})`,
  // Without ANSI mode (sessionSettings) a decimal that does not fit is NULL.
  castDecimal: (text, precision, scale) => `CAST(${text} AS DECIMAL(${precision},${scale}))`,
  // Through an exact decimal, its range tested, so no digit string can wrap into the INT range.
  castInteger: (text) => {
    const exact = `CAST(${text} AS DECIMAL(38,0))`;
    return `CAST(CASE WHEN ABS(${exact}) <= ${INT_MAX} THEN ${exact} END AS INT)`;
  },
  trimChars: (text, chars) => `TRIM(BOTH ${quoteString(chars)} FROM ${text})`,
  fullMatch,
  removeChars: (text, chars) => `translate(${text}, ${quoteString(chars)}, '')`,
  trimLeading,
  // months_between counts a month from the 29th of February to the 28th as whole, as DuckDB does.
  yearsBetween: (from, to) => `floor(months_between(${to}, ${from}) / 12)`,
  daysBetween: (from, to) => `datediff(${to}, ${from})`,
  addDays: (date, days) => `date_add(${date}, ${days})`,
  formatYear: (date) => `date_format(${date}, 'yyyy')`,
  monthStarts: (from, to) => `sequence(trunc(${from}, 'MM'), ${to}, interval 1 month)`,
  formatMonth: (date) => `date_format(${date}, 'MM')`,
  flagBits: sumOfFlagBits,
  namesOfFlags: (flags, names) =>
    names.length === 0
      ? textList([])
      : `CASE WHEN ${flags} = 0 THEN ${textList([])} ELSE filter(${textList(names)}, (name, i) -> (shiftright(${flags}, i) & 1) = 1) END`,
  textList,
  listConcat: (a, b) => `concat(${a}, ${b})`,
  unnest: (list) => `explode(${list})`,
  jsonTextStruct: (json, keys) => `from_json(${json}, ${quoteString(keys.map((k) => `\`${k}\` STRING`).join(', '))})`,
  jsonText: (json, key) => `get_json_object(${json}, ${quoteString(`$.${key}`)})`,
  // to_json drops NULL fields unless told otherwise; DuckDB's json_object keeps them.
  jsonObject: (entries) =>
    `to_json(named_struct(${entries.map(([key, value]) => `${quoteString(key)}, ${value}`).join(', ')}), map('ignoreNullFields', 'false'))`,
  // Spark's hashes skip NULLs, so (NULL, 'a') and ('a', NULL) would collide: each value brings its NULL flag.
  // xxhash64 is signed: pmod keeps the slice index non-negative.
  hashSlice: (hash, of, index) => `pmod(${hash}, ${of}) = ${index}`,
  hashValues: (values) => `xxhash64(${values.map((v) => `${v}, ${v} IS NULL`).join(', ')})`,
  // sha2 gives hex text; unhex turns the inner digest back into bytes for the outer hash.
  hmacSha256: (text, pads) =>
    `sha2(concat(unhex(${quoteString(pads.outer)}), unhex(sha2(concat(unhex(${quoteString(pads.inner)}), encode(${text}, 'UTF-8')), 256))), 256)`,
};
