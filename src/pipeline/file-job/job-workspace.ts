import type { CanonicalColumn } from '../../domain/canonical-model.ts';
import type { InputFormat } from '../../domain/detect-format.ts';
import { ClaimflowError } from '../../domain/errors.ts';
import type { SqlDialect } from '../../domain/sql-dialect.ts';
import type { SourceColumns } from '../../plan/compile-profile.ts';

/** A file for the engine to read; compression is decided from its content, not its name. */
export interface IngestRead {
  readonly path: string;
  readonly format: InputFormat;
  readonly gzip: boolean;
  /** Records longer than this are set aside as unreadable instead of read. */
  readonly maxRecordBytes: number;
}

/**
 * A record larger than the engine's reader holds at once (a JSON array's object past DuckDB's
 * `maximum_object_size`): the file cannot be read record by record and is rejected whole.
 */
export class RecordLimitError extends ClaimflowError {
  readonly code = 'record_limit_exceeded';
  constructor(
    readonly limitBytes: number,
    readonly maxRecordBytes: number,
    options?: { cause?: unknown },
  ) {
    super(
      `a record of the JSON array is larger than ${limitBytes} bytes, the most the JSON reader holds at once (records over limits.max_record_bytes, ${maxRecordBytes}, are quarantined as malformed_row); the file was not read`,
      options,
    );
  }
}

/** A CSV file beside the input (a companion), read with the header its head showed. */
export interface CsvFileRead {
  readonly path: string;
  readonly gzip: boolean;
  readonly delimiter: string;
  /** The header: the file's columns, read by position. */
  readonly columns: readonly string[];
  readonly maxRecordBytes: number;
}

/** What a companion file gives: of each column in `select` order, its position in the file's header, or null (absent, NULL). */
export interface CsvColumnsRead extends CsvFileRead {
  readonly select: ReadonlyArray<number | null>;
}

/** The records the reader could not read (ragged, too long, not UTF-8), as the engine keeps them. */
export interface UnreadRecords {
  readonly table: string;
  /** The source columns they stand in for. */
  readonly columns: readonly string[];
  /** Lines before the first record (a CSV header). */
  readonly headerLines: 0 | 1;
}

/** Unread records loaded as rows, numbered among the rows read. */
export interface LoadedUnread {
  readonly table: string;
  /** A relation of them with the source columns (NULL), `_row_number`, `_raw_line` and `_ingest_error`. */
  readonly rows: string;
  readonly count: number;
  /** The row number of the first of them. */
  readonly first: number;
  /** The first of them that is one of `ReaderLines.spanning`, by its position; null when none is. */
  readonly firstSpanning: number | null;
}

/** What an independent count of the file knows of the reader's line positions (1-based, header and blank lines included). */
export interface ReaderLines {
  /** Blank lines: neither records nor counted in row numbers. */
  readonly skipped: readonly number[];
  /** Records that span lines. */
  readonly spanning: readonly number[];
}

/** The ingested rows: the file's columns, the numbered rows, and the records set aside. */
export interface Ingested {
  readonly source: SourceColumns;
  /** A relation of the numbered rows (`_row_number`, `_raw_line`, `_ingest_error` beside the source columns). */
  readonly rows: string;
  readonly unread: UnreadRecords | null;
}

/** A file an engine wrote for publishing: a local file (DuckDB's scratch) or an object in the store (Spark's parts). */
export type StagedFile = { readonly local: string } | { readonly key: string };

/** A staged claim file and the service month it holds. */
export interface StagedClaimFile {
  readonly year: string;
  readonly month: string;
  readonly file: StagedFile;
}

/**
 * One job's place in an engine: the statements of the file job that are the engine's own
 * (reading files, scratch files, temp tables, partitioned writes), with the tables and files it
 * made dropped by `dispose`. The plan's SQL comes from `StagePlan` in the workspace's dialect.
 */
export interface JobWorkspace {
  readonly dialect: SqlDialect;
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** ingest: a file's records as text, numbered in file order; records the reader cannot read are kept aside. */
  ingest(read: IngestRead): Promise<Ingested>;
  /**
   * CSV files read as one relation, for a companion table: the columns each read selects, by
   * position in its header (never by name, which could be anything), as `positionalColumn(i)`.
   */
  csvFiles(reads: readonly CsvColumnsRead[]): string;
  /** Local published claim files read as one relation in the full canonical layout (see withCanonicalLayout). */
  publishedClaimFiles(paths: readonly string[]): string;
  /** Published files of a table in its full layout (`columns`); no paths: an empty relation of them. */
  publishedTableFiles(paths: readonly string[], columns: readonly CanonicalColumn[]): string;
  /** A temp table of the rows of `select`, dropped with the workspace; returns the relation naming it. */
  createTable(name: string, select: string): Promise<string>;
  /** Adds the rows of `select` to a table made by `createTable`. */
  insertInto(table: string, select: string): Promise<void>;
  /** Writes rows whose order does not matter to a scratch file; returns a relation that reads them back. */
  materialize(name: string, select: string): Promise<string>;
  /** The unread records as rows of their source columns (all NULL) with their raw text; null when there are none. */
  loadUnread(unread: UnreadRecords, lines: ReaderLines): Promise<LoadedUnread | null>;
  /**
   * The checked rows (materialized as `name`) with the checked unread records added, every row
   * numbered by its place in the file; replaces `name` and returns the relation reading it.
   */
  mergeUnread(name: string, unread: LoadedUnread, checkedUnread: string): Promise<string>;
  /** Writes rows to one file to publish. */
  stage(name: string, select: string): Promise<StagedFile>;
  /** Writes rows to files to publish, one or more per service month (`year`, `month` columns, then dropped). */
  stagePartitioned(name: string, select: string): Promise<StagedClaimFile[]>;
  dispose(): Promise<void>;
}
