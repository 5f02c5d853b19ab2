import type { SqlDialect } from './dialect.ts';

/** Feed date formats: ISO, compact, US, and day-month-name-year. */
const DATE_FORMATS = ['%Y-%m-%d', '%Y%m%d', '%m/%d/%Y', '%d-%b-%Y'];
const TIMESTAMP_FORMATS = [
  '%Y-%m-%d %H:%M:%S',
  '%Y-%m-%d %H:%M:%S.%f',
  '%Y-%m-%dT%H:%M:%S',
  '%Y-%m-%dT%H:%M:%SZ',
  '%Y-%m-%dT%H:%M:%S.%gZ',
  ...DATE_FORMATS,
];

/** Bits 0..62 of a BIGINT, so the mask stays positive. */
const MAX_FLAGS = 63;

const quoteString = (value: string): string => `'${value.replaceAll("'", "''")}'`;
const formatList = (formats: readonly string[]): string => `[${formats.map(quoteString).join(', ')}]`;

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  quoteIdent: (name) => `"${name.replaceAll('"', '""')}"`,
  stringLiteral: quoteString,
  dateLiteral: (isoDate) => `DATE ${quoteString(isoDate)}`,
  // ISO dates, by far the most common, take DuckDB's fast cast once their shape is right (the
  // cast alone forgives trailing text); only other shapes pay for strptime.
  parseDate: (text) =>
    `CASE WHEN length(${text}) = 10 AND substr(${text}, 5, 1) = '-' AND substr(${text}, 8, 1) = '-' AND substr(${text}, 10, 1) BETWEEN '0' AND '9'
      THEN TRY_CAST(${text} AS DATE) ELSE CAST(try_strptime(${text}, ${formatList(DATE_FORMATS.slice(1))}) AS DATE) END`,
  parseTimestamp: (text) => `try_strptime(${text}, ${formatList(TIMESTAMP_FORMATS)})`,
  parseDecimal: (text, precision, scale) =>
    `TRY_CAST(replace(ltrim(${text}, '$'), ',', '') AS DECIMAL(${precision},${scale}))`,
  parseInteger: (text) => `TRY_CAST(${text} AS INTEGER)`,
  fullMatch: (text, pattern) => `regexp_full_match(${text}, ${quoteString(pattern)})`,
  removeChars: (text, chars) => `translate(${text}, ${quoteString(chars)}, '')`,
  yearsBetween: (from, to) => `date_sub('year', ${from}, ${to})`,
  daysBetween: (from, to) => `date_diff('day', ${from}, ${to})`,
  formatYear: (date) => `strftime(${date}, '%Y')`,
  formatMonth: (date) => `strftime(${date}, '%m')`,
  flagBits: (predicates) => {
    if (predicates.length > MAX_FLAGS) throw new Error(`at most ${MAX_FLAGS} flags fit in one mask`);
    if (predicates.length === 0) return 'CAST(0 AS BIGINT)';
    return predicates.map((p, i) => `CASE WHEN ${p} THEN CAST(${2n ** BigInt(i)} AS BIGINT) ELSE 0 END`).join(' + ');
  },
  namesOfFlags: (flags, names) =>
    names.length === 0
      ? 'CAST([] AS VARCHAR[])'
      : `CASE WHEN ${flags} = 0 THEN CAST([] AS VARCHAR[]) ELSE list_filter([${names.join(', ')}], lambda x, i: (${flags} >> (i - 1)) & 1 = 1) END`,
  listLength: (list) => `len(${list})`,
  listConcat: (a, b) => `list_concat(${a}, ${b})`,
  unnest: (list) => `UNNEST(${list})`,
  listHasAny: (list, values) => `list_has_any(${list}, [${values.join(', ')}])`,
  jsonObject: (entries) =>
    `CAST(json_object(${entries.map(([key, value]) => `${quoteString(key)}, ${value}`).join(', ')}) AS VARCHAR)`,
  hashValues: (values) => `hash(${values.join(', ')})`,
};
