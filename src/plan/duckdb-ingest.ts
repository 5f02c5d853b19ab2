import { ClaimflowError } from '../domain/errors.ts';
import { duckdbDialect as sql } from './duckdb-dialect.ts';

/** DuckDB SQL that reads a claim file as text, one statement per step of the ingest stage. */
/** A file to read; compression is decided from its content, not its name. */
export interface FileRead {
  readonly path: string;
  readonly gzip: boolean;
  /** Records (CSV records, NDJSON lines) longer than this are rejected, not read (DuckDB's default otherwise). */
  readonly maxRecordBytes?: number;
  /** Where records that cannot be read are kept, with their line number, instead of failing the file. */
  readonly rejectsTable?: string;
}

export interface CsvRead extends FileRead {
  readonly delimiter: string;
  readonly columns?: readonly string[];
}

/** What the ingest relations put in `_ingest_error` (beside DuckDB's reject types). */
const NUL_BYTE = 'NUL BYTE';
const NOT_A_JSON_OBJECT = 'NOT A JSON OBJECT';
/** As DuckDB's CSV reader names a line over `max_line_size`. */
const RECORD_TOO_LONG = 'LINE SIZE OVER MAXIMUM';
/** Characters of an unread record kept as its `_raw_line`. */
const RAW_LINE_CHARS = 10_000;
/**
 * NDJSON lines are read as one text column "delimited" by this. The relaxed reader cuts a line
 * at its delimiter, so it is four control bytes: valid JSON cannot hold them, damaged text
 * practically never holds them in this order.
 */
const LINE_DELIMITER = "E'\\x01\\x02\\x03\\x04'";

const lit = sql.stringLiteral;
const GLOB_CHAR = /[[*?]/;

/** A path DuckDB cannot read as itself: it holds glob characters and a backslash, which its globs treat as an escape. */
export class UnreadablePathError extends ClaimflowError {
  readonly code = 'unreadable_path';
  constructor(readonly path: string) {
    super('the path holds both a backslash and glob characters ([, *, ?), which the engine cannot read literally');
  }
}

/**
 * A file's path as a literal for DuckDB's readers, which expand `*`, `?` and `[...]` even where a
 * file has that very name (`claims[1].csv` would read claims1.csv): each such character goes in
 * brackets, where it matches only itself.
 */
export function literalPath(path: string): string {
  return lit(globLiteral(path));
}

/** A path as glob text that matches only itself (see `literalPath`). */
export function globLiteral(path: string): string {
  if (!GLOB_CHAR.test(path)) return path;
  if (path.includes('\\')) throw new UnreadablePathError(path);
  return path.replace(/[[*?]/g, (c) => `[${c}]`);
}

/** Options common to the CSV and line readers: compression, the record bound, the rejects table. */
function readOptions(read: FileRead): string[] {
  const options = [`compression = ${read.gzip ? "'gzip'" : "'none'"}`];
  if (read.maxRecordBytes !== undefined) options.push(`max_line_size = ${read.maxRecordBytes}`);
  if (read.rejectsTable) {
    // Records that do not split, are too long or are not UTF-8 are kept aside, not lost.
    options.push('ignore_errors = true', 'store_rejects = true');
    options.push(`rejects_table = ${lit(read.rejectsTable)}`, `rejects_scan = ${lit(`${read.rejectsTable}_scan`)}`);
  }
  return options;
}

function csvOptions(read: CsvRead): string {
  const options = [
    'header = true',
    `delim = ${lit(read.delimiter)}`,
    `quote = '"'`,
    `escape = '"'`,
    'all_varchar = true',
    ...readOptions(read),
  ];
  if (read.columns) {
    options.push('auto_detect = false');
    options.push(`columns = {${read.columns.map((c) => `${lit(c)}: 'VARCHAR'`).join(', ')}}`);
  }
  return options.join(', ');
}

/**
 * The CSV as text rows, streamed in file order (rows that do not split into the header's
 * columns go to the rejects table instead). A row with a NUL byte in a field is marked
 * malformed: it is corruption, not a value. Rows are numbered when read back from Parquet.
 */
export function csvRelation(read: CsvRead): string {
  return `(SELECT *, CAST(NULL AS VARCHAR) AS _raw_line,
    CASE WHEN contains(concat(*COLUMNS(*)), chr(0)) THEN ${lit(NUL_BYTE)} END AS _ingest_error
  FROM read_csv(${literalPath(read.path)}, ${csvOptions(read)}))`;
}

/**
 * Ingested rows read back from a Parquet file written in file order, `_row_number` being the
 * position among them. The Parquet reader numbers rows in parallel; a window over the file
 * would serialise the whole read.
 */
export function numberedParquet(path: string): string {
  return `(SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _row_number FROM read_parquet(${literalPath(path)}, file_row_number = true))`;
}

/**
 * Rejected records, one per record: DuckDB counts `line` from the file's first line, blank lines
 * included, so the row number is line - `headerLines` - the `skipped` (blank) lines before it, and
 * a rejected blank (whitespace-only) line is no record at all. `_good_before` is how many parsed
 * rows precede it.
 */
export function loadRejects(
  table: string,
  rejectsTable: string,
  headerLines: 0 | 1,
  skipped: readonly number[],
): string {
  const blanks = skipped.length
    ? `SELECT UNNEST([${skipped.join(', ')}]::BIGINT[]) AS line`
    : 'SELECT CAST(NULL AS BIGINT) AS line WHERE false';
  return `CREATE TEMP TABLE ${sql.quoteIdent(table)} AS
WITH blanks AS (${blanks}),
rejected AS (
  SELECT CAST(line AS BIGINT) AS line, FIRST(csv_line) AS _raw_line,
    STRING_AGG(DISTINCT CAST(error_type AS VARCHAR), ',') AS _ingest_error
  FROM ${sql.quoteIdent(rejectsTable)} GROUP BY line),
numbered AS (
  SELECT r.line - ${headerLines} - (SELECT COUNT(*) FROM blanks b WHERE b.line < r.line) AS _row_number, _raw_line, _ingest_error
  FROM rejected r WHERE r.line NOT IN (SELECT line FROM blanks))
SELECT _row_number, _raw_line, _ingest_error, _row_number - ROW_NUMBER() OVER (ORDER BY _row_number) AS _good_before,
  ROW_NUMBER() OVER (ORDER BY _row_number) AS _rejects_so_far
FROM numbered`;
}

/** The rejected records as a source with the header's columns, all NULL. */
export function rejectsRelation(rejects: string, columns: readonly string[]): string {
  const q = sql.quoteIdent;
  return `(SELECT ${columns.map((c) => `CAST(NULL AS VARCHAR) AS ${q(c)}`).join(', ')}, _row_number, _raw_line, _ingest_error FROM ${q(rejects)})`;
}

/**
 * The checked rows with their true data row numbers (shifted past the rejected records
 * before them), followed by the checked rejected records: every record of the file once.
 */
export function renumberedChecked(checked: string, rejects: string, checkedRejects: string, rowNumber: string): string {
  const q = sql.quoteIdent;
  return `SELECT c.* REPLACE (c.${q(rowNumber)} + COALESCE(r._rejects_so_far, 0) AS ${q(rowNumber)})
FROM ${checked} c ASOF LEFT JOIN (SELECT _good_before, MAX(_rejects_so_far) AS _rejects_so_far FROM ${q(rejects)} GROUP BY _good_before) r
  ON c.${q(rowNumber)} > r._good_before
UNION ALL BY NAME
SELECT * FROM (${checkedRejects}) AS checked_rejects`;
}

/**
 * The most DuckDB's JSON reader holds of one record (its `maximum_object_size`, which it raises to
 * this if set lower): an array whose record is larger cannot be read (`jsonObjectBound`).
 */
export const JSON_READER_OBJECT_BYTES = 16 * 1024 ** 2;

/** The JSON reader's bound on a record: its own, or the record bound where that is higher. */
export function jsonObjectBound(read: FileRead): number {
  return Math.max(JSON_READER_OBJECT_BYTES, read.maxRecordBytes ?? 0);
}

/** The objects of a JSON array (NDJSON is read line by line: `ndjsonLineRelation`). */
export function jsonArrayRecords(read: FileRead): string {
  return `read_json_objects(${literalPath(read.path)}, format = 'array', compression = ${read.gzip ? "'gzip'" : "'uncompressed'"}, maximum_object_size = ${jsonObjectBound(read)})`;
}

/** DuckDB's JSON reader met a record past `jsonObjectBound`. */
export function isJsonObjectBoundError(error: unknown): boolean {
  return error instanceof Error && error.message.includes('"maximum_object_size"');
}

export function jsonKeys(records: string): string {
  return `SELECT DISTINCT UNNEST(json_keys(_record)) AS key FROM ${records} WHERE json_type(_record) = 'OBJECT' ORDER BY key`;
}

/**
 * A key as a JSON Pointer (RFC 6901): any key a record can hold, `a\`, `a"` and the empty one
 * included, is a path (only `~` and `/` are escaped, as `~0` and `~1`).
 */
function jsonPath(key: string): string {
  return lit(`/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
}

/**
 * The records with every key's text in one list, `_fields`, in the order of `keys`: each record
 * is parsed once, where an extraction per key parsed it once per key, and a batch of 2,048 wide
 * records held all those parses at once (160 keys of 3,000 records ran out of 1.2 GB).
 */
export function jsonFields(records: string, keys: readonly string[]): string {
  const fields =
    keys.length === 0 ? 'CAST([] AS VARCHAR[])' : `json_extract_string(_record, [${keys.map(jsonPath).join(', ')}])`;
  return `(SELECT *, ${fields} AS _fields FROM ${records})`;
}

/** A key's text in the rows of `jsonFields` (the unread rows hold a NULL `_fields`). */
export function jsonField(keys: readonly string[]): (key: string) => string {
  const index = new Map(keys.map((key, i) => [key, i + 1]));
  return (key) => `_fields[${index.get(key) ?? 0}]`;
}

/**
 * The JSON records, streamed in file order. A record longer than `maxRecordBytes` is not parsed:
 * like an NDJSON line too long, it is a malformed row that keeps its first 10,000 characters.
 */
export function jsonRelation(records: string, maxRecordBytes?: number): string {
  if (maxRecordBytes === undefined) {
    return `(SELECT CAST(json AS VARCHAR) AS _record, CAST(NULL AS VARCHAR) AS _raw_line, CAST(NULL AS VARCHAR) AS _ingest_error FROM ${records})`;
  }
  return `(SELECT CASE WHEN NOT _too_long THEN _text END AS _record,
    CASE WHEN _too_long THEN left(_text, ${RAW_LINE_CHARS}) END AS _raw_line,
    CASE WHEN _too_long THEN ${lit(RECORD_TOO_LONG)} END AS _ingest_error
  FROM (SELECT CAST(json AS VARCHAR) AS _text, strlen(CAST(json AS VARCHAR)) > ${maxRecordBytes} AS _too_long FROM ${records}))`;
}

/**
 * NDJSON one line per row, streamed in file order: a line holding a JSON object is a record; any
 * other line (not JSON, not an object, a NUL, even escaped) keeps its text as a malformed row, so
 * one bad line costs one row, not the file. Lines too long or not UTF-8 go to the rejects table.
 * Blank lines stay as empty rows, so row numbers are line numbers; `ndjsonRows` drops them.
 */
export function ndjsonLineRelation(read: FileRead): string {
  const options = [
    "columns = {'line': 'VARCHAR'}",
    'header = false',
    'auto_detect = false',
    `delim = ${LINE_DELIMITER}`,
    "quote = ''",
    "escape = ''",
    // Strict mode fails the whole file on a lone CR; relaxed, a CR ends a line like LF does.
    'strict_mode = false',
    ...readOptions(read),
  ];
  // NULL for a blank line. Valid JSON starting with { is an object: one parse per line, not two,
  // and no trimmed copy of each line. An escaped NUL is refused like a raw one (json_valid does that).
  const object = `CASE WHEN line IS NULL OR regexp_matches(line, '^[ \\t]*$') THEN NULL
      ELSE regexp_matches(line, '^[ \\t]*[{]') AND json_valid(line) AND NOT contains(line, '\\u0000') END`;
  return `(SELECT CASE WHEN _object THEN line END AS _record,
    CASE WHEN NOT _object THEN line END AS _raw_line,
    CASE WHEN NOT _object THEN ${lit(NOT_A_JSON_OBJECT)} END AS _ingest_error
  FROM (SELECT line, ${object} AS _object FROM read_csv(${literalPath(read.path)}, ${options.join(', ')})))`;
}

/** Numbered NDJSON rows without the blank lines. */
export function ndjsonRows(numbered: string): string {
  return `(SELECT * FROM ${numbered} WHERE _record IS NOT NULL OR _raw_line IS NOT NULL)`;
}
