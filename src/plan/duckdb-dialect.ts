import type { SqlDialect } from '../domain/sql-dialect.ts';
import { ISO_DATE_PATTERN, OTHER_DATE_PATTERN } from '../domain/value-notation.ts';
import { sumOfFlagBits } from './dialect.ts';

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

const quoteString = (value: string): string => `'${value.replaceAll("'", "''")}'`;
const formatList = (formats: readonly string[]): string => `[${formats.map(quoteString).join(', ')}]`;
const textList = (values: readonly string[]): string =>
  values.length === 0 ? 'CAST([] AS VARCHAR[])' : `[${values.join(', ')}]`;
const trimLeading = (text: string, chars: string): string => `ltrim(${text}, ${quoteString(chars)})`;
const fullMatch = (text: string, pattern: string): string => `regexp_full_match(${text}, ${quoteString(pattern)})`;

export const duckdbDialect: SqlDialect = {
  name: 'duckdb',
  inSubqueryInSelect: true,
  textType: 'VARCHAR',
  sessionSettings: {},
  quoteIdent: (name) => `"${name.replaceAll('"', '""')}"`,
  stringLiteral: quoteString,
  dateLiteral: (isoDate) => `DATE ${quoteString(isoDate)}`,
  // ISO dates, by far the most common, take DuckDB's fast cast once their shape is right (the
  // cast alone forgives trailing text and reads a sign); only other shapes pay for strptime, each
  // format tried on the shape it reads whole (alone, it reads 2024115 as 2024-11-05).
  parseDate: (text) =>
    `CASE WHEN ${fullMatch(text, ISO_DATE_PATTERN)} THEN TRY_CAST(${text} AS DATE)
      WHEN ${fullMatch(text, OTHER_DATE_PATTERN)} THEN CAST(try_strptime(${text}, ${formatList(DATE_FORMATS.slice(1))}) AS DATE) END`,
  parseTimestamp: (text) => `try_strptime(${text}, ${formatList(TIMESTAMP_FORMATS)})`,
  castDecimal: (text, precision, scale) => `TRY_CAST(${text} AS DECIMAL(${precision},${scale}))`,
  castInteger: (text) => `TRY_CAST(${text} AS INTEGER)`,
  trimChars: (text, chars) => `trim(${text}, ${quoteString(chars)})`,
  fullMatch,
  removeChars: (text, chars) => `translate(${text}, ${quoteString(chars)}, '')`,
  trimLeading,
  yearsBetween: (from, to) => `date_sub('year', ${from}, ${to})`,
  daysBetween: (from, to) => `date_diff('day', ${from}, ${to})`,
  addDays: (date, days) => `CAST(${date} + ${days} AS DATE)`,
  formatYear: (date) => `strftime(${date}, '%Y')`,
  monthStarts: (from, to) =>
    `list_transform(generate_series(date_trunc('month', ${from}), ${to}, INTERVAL 1 MONTH), m -> CAST(m AS DATE))`,
  formatMonth: (date) => `strftime(${date}, '%m')`,
  flagBits: sumOfFlagBits,
  namesOfFlags: (flags, names) =>
    names.length === 0
      ? textList([])
      : `CASE WHEN ${flags} = 0 THEN ${textList([])} ELSE list_filter(${textList(names)}, lambda x, i: (${flags} >> (i - 1)) & 1 = 1) END`,
  textList,
  listConcat: (a, b) => `list_concat(${a}, ${b})`,
  unnest: (list) => `UNNEST(${list})`,
  jsonTextStruct: (json, keys) =>
    `json_transform(${json}, ${quoteString(JSON.stringify(Object.fromEntries(keys.map((k) => [k, 'VARCHAR']))))})`,
  jsonText: (json, key) => `json_extract_string(${json}, ${quoteString(`$.${key}`)})`,
  jsonObject: (entries) =>
    `CAST(json_object(${entries.map(([key, value]) => `${quoteString(key)}, ${value}`).join(', ')}) AS VARCHAR)`,
  hashValues: (values) => `hash(${values.join(', ')})`,
  hashSlice: (hash, of, index) => `${hash} % ${of} = ${index}`,
  // sha256 gives hex text; unhex turns the inner digest back into bytes for the outer hash.
  hmacSha256: (text, pads) =>
    `sha256(unhex(${quoteString(pads.outer)}) || unhex(sha256(unhex(${quoteString(pads.inner)}) || encode(${text}))))`,
};
