import type { InputFormat } from '../pipeline/detect-format.ts';
import { duckdbDialect as sql } from './duckdb-dialect.ts';

/** DuckDB SQL that reads a claim file as text, one statement per step of the ingest stage. */
/** A file to read; compression is decided from its content, not its name. */
export interface FileRead {
  readonly path: string;
  readonly gzip: boolean;
}

export interface CsvRead extends FileRead {
  readonly delimiter: string;
  readonly columns?: readonly string[];
  readonly rejectsTable?: string;
}

const lit = sql.stringLiteral;

function csvOptions(read: CsvRead): string {
  const options = [
    'header = true',
    `delim = ${lit(read.delimiter)}`,
    `quote = '"'`,
    `escape = '"'`,
    'all_varchar = true',
    `compression = ${read.gzip ? "'gzip'" : "'none'"}`,
  ];
  if (read.columns) {
    options.push('auto_detect = false');
    options.push(`columns = {${read.columns.map((c) => `${lit(c)}: 'VARCHAR'`).join(', ')}}`);
  }
  if (read.rejectsTable) {
    // Rows that do not split into the header's columns are kept aside, not lost.
    options.push('ignore_errors = true', 'store_rejects = true');
    options.push(`rejects_table = ${lit(read.rejectsTable)}`, `rejects_scan = ${lit(`${read.rejectsTable}_scan`)}`);
  }
  return options.join(', ');
}

/**
 * The CSV as text rows, streamed in file order (rows that do not split into the header's
 * columns go to the rejects table instead). Rows are numbered when read back from Parquet.
 */
export function csvRelation(read: CsvRead): string {
  return `(SELECT *, CAST(NULL AS VARCHAR) AS _raw_line, CAST(NULL AS VARCHAR) AS _ingest_error
  FROM read_csv(${lit(read.path)}, ${csvOptions(read)}))`;
}

/**
 * Ingested rows read back from a Parquet file written in file order, `_row_number` being the
 * position among them. The Parquet reader numbers rows in parallel; a window over the file
 * would serialise the whole read.
 */
export function numberedParquet(path: string): string {
  return `(SELECT * EXCLUDE (file_row_number), file_row_number + 1 AS _row_number FROM read_parquet(${lit(path)}, file_row_number = true))`;
}

/**
 * Rejected CSV records, one per record: DuckDB counts `line` from the header as line 1,
 * so the data row number is line - 1. `_good_before` is how many parsed rows precede it.
 */
export function loadCsvRejects(table: string, rejectsTable: string): string {
  return `CREATE TEMP TABLE ${sql.quoteIdent(table)} AS
SELECT _row_number, _raw_line, _ingest_error, _row_number - ROW_NUMBER() OVER (ORDER BY _row_number) AS _good_before,
  ROW_NUMBER() OVER (ORDER BY _row_number) AS _rejects_so_far
FROM (SELECT CAST(line AS BIGINT) - 1 AS _row_number, FIRST(csv_line) AS _raw_line,
        STRING_AGG(DISTINCT CAST(error_type AS VARCHAR), ',') AS _ingest_error
      FROM ${sql.quoteIdent(rejectsTable)} GROUP BY line)`;
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

export function jsonRecords(read: FileRead, format: InputFormat): string {
  const jsonFormat = format.kind === 'json-array' ? 'array' : 'newline_delimited';
  return `read_json_objects(${lit(read.path)}, format = ${lit(jsonFormat)}, compression = ${read.gzip ? "'gzip'" : "'uncompressed'"}, maximum_object_size = 16777216)`;
}

export function jsonKeys(records: string): string {
  return `SELECT DISTINCT UNNEST(json_keys(_record)) AS key FROM ${records} WHERE json_type(_record) = 'OBJECT' ORDER BY key`;
}

export function jsonField(key: string): string {
  return `json_extract_string(_record, ${lit(`$."${key.replaceAll('"', '\\"')}"`)})`;
}

/** The JSON records, streamed in file order. */
export function jsonRelation(records: string): string {
  return `(SELECT CAST(json AS VARCHAR) AS _record, CAST(NULL AS VARCHAR) AS _raw_line, CAST(NULL AS VARCHAR) AS _ingest_error FROM ${records})`;
}
