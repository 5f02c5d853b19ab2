import { existsSync } from 'node:fs';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { CANONICAL_COLUMNS, type CanonicalColumn } from '../../domain/canonical-model.ts';
import {
  type CsvColumnsRead,
  type Ingested,
  type IngestRead,
  type JobWorkspace,
  type LoadedUnread,
  type ReaderLines,
  RecordLimitError,
  type StagedClaimFile,
  type StagedFile,
  type UnreadRecords,
} from '../../pipeline/file-job/job-workspace.ts';
import type { Engine } from '../../pipeline/ports.ts';
import { emptyTable, withCanonicalLayout } from '../../plan/canonical-layout.ts';
import { duckdbDialect } from '../../plan/duckdb-dialect.ts';
import {
  csvRelation,
  type FileRead,
  isJsonObjectBoundError,
  jsonArrayRecords,
  jsonField,
  jsonFields,
  jsonKeys,
  jsonObjectBound,
  jsonRelation,
  literalPath,
  loadRejects,
  ndjsonLineRelation,
  ndjsonRows,
  numberedParquet,
  rejectsRelation,
  renumberedChecked,
} from '../../plan/duckdb-ingest.ts';
import { positionalColumn, positionalColumnOf, positionalColumns } from '../../plan/source-columns.ts';

/** Rows of a Parquet row group: DuckDB's default, kept for inputs up to the canonical model's width. */
const ROW_GROUP_ROWS = 122_880;
const CANONICAL_WIDTH = 160;
/** Input columns times rows a row group of a wider input holds: 2,048 rows of 1,200 columns. */
const WIDE_ROW_GROUP_CELLS = 2048 * 1200;
/** DuckDB's vector size, the smallest row group it writes. */
const VECTOR_ROWS = 2048;

/**
 * Rows per row group of the Parquet files a job writes, by its input's width. A writer holds a
 * whole row group in memory, and a wide input stays wide to the end (what has no canonical column
 * is kept in each row's extra_columns), so a wider input gets shorter row groups: a 2,048-column
 * CSV of 20,000 rows was still reading after 12 minutes, past the 1.2 GB limit, and 1,024 columns
 * of 60,000 rows ran out of memory writing the checked rows (docs/BENCHMARKS.md, "Wide files").
 * Whole vectors; 122,880 rows up to 160 columns (every real source), 2,048 from 1,200 columns.
 */
export function rowGroupRows(columns: number): number {
  if (columns <= CANONICAL_WIDTH) return ROW_GROUP_ROWS;
  return Math.max(VECTOR_ROWS, Math.floor(WIDE_ROW_GROUP_CELLS / columns / VECTOR_ROWS) * VECTOR_ROWS);
}

/** Up to this many months a file's claims are written month by month, beyond it partitioned in one pass. */
const MONTHS_WRITTEN_ONE_BY_ONE = 3;
const q = duckdbDialect.quoteIdent;
const lit = duckdbDialect.stringLiteral;

/**
 * A job's workspace in a DuckDB connection: temp tables named per job (concurrent jobs share a
 * database) and Parquet files in the job's scratch folder, which streamed statements write so
 * memory stays flat however large the file.
 */
export class DuckDbWorkspace implements JobWorkspace {
  readonly dialect = duckdbDialect;
  private readonly tables: string[] = [];
  /** Rows per row group of every Parquet file the job writes, set by the input's width when it is read. */
  private rowGroup = ROW_GROUP_ROWS;

  constructor(
    private readonly engine: Engine,
    private readonly jobId: string,
    private readonly scratch: string,
  ) {}

  query(sql: string): Promise<Record<string, unknown>[]> {
    return this.engine.query(sql);
  }

  /**
   * The file's rows as text, in file order, to raw.parquet, so the Parquet reader can number them
   * and the checks scan columnar data in parallel instead of re-parsing the file.
   */
  async ingest({ path, format, gzip, maxRecordBytes }: IngestRead): Promise<Ingested> {
    const raw = `${this.scratch}/raw.parquet`;
    const read: FileRead = { path, gzip, maxRecordBytes };
    if (format.kind === 'csv') {
      // Columns by position, not by the header's names: see positionalColumn.
      const columns = positionalColumns(format.header);
      const unread = {
        table: this.rejectsTable('csv_rejects_raw'),
        columns: [...columns.values()],
        headerLines: 1 as const,
      };
      const csv = { ...read, delimiter: format.delimiter, columns: unread.columns, rejectsTable: unread.table };
      this.rowGroup = rowGroupRows(format.header.length);
      await this.writeScratch(`SELECT * FROM ${csvRelation(csv)}`, 'raw.parquet');
      const source = { names: format.header, expr: (name: string) => `src.${q(positionalColumnOf(columns, name))}` };
      return { source, unread, rows: numberedParquet(raw) };
    }
    let unread: UnreadRecords | null = null;
    let rows = numberedParquet(raw);
    if (format.kind === 'ndjson') {
      // Unread lines stand in for records with a NULL `_fields` (see jsonFields), so every key reads NULL.
      unread = { table: this.rejectsTable('ndjson_rejects_raw'), columns: ['_fields'], headerLines: 0 };
      await this.writeScratch(
        `SELECT * FROM ${ndjsonLineRelation({ ...read, rejectsTable: unread.table })}`,
        'raw.parquet',
      );
      rows = ndjsonRows(rows);
    } else {
      await this.writeScratch(
        `SELECT * FROM ${jsonRelation(jsonArrayRecords(read), maxRecordBytes)}`,
        'raw.parquet',
      ).catch((error: unknown) => {
        if (!isJsonObjectBoundError(error)) throw error;
        throw new RecordLimitError(jsonObjectBound(read), maxRecordBytes, { cause: error });
      });
    }
    const keys = (await this.engine.query(jsonKeys(rows))).map((r) => String(r.key));
    // The keys become columns (and extra_columns) from the check stage on.
    this.rowGroup = rowGroupRows(keys.length);
    return { source: { names: keys, expr: jsonField(keys) }, unread, rows: jsonFields(rows, keys) };
  }

  csvFiles(reads: readonly CsvColumnsRead[]): string {
    const selected = reads.map(({ select, ...read }) => {
      const columns = select.map(
        (p, i) => `${p === null ? 'CAST(NULL AS VARCHAR)' : q(positionalColumn(p))} AS ${q(positionalColumn(i))}`,
      );
      const csv = { ...read, columns: read.columns.map((_, p) => positionalColumn(p)) };
      return `SELECT ${columns.join(', ')} FROM ${csvRelation(csv)}`;
    });
    return `(${selected.join(' UNION ALL ')})`;
  }

  publishedClaimFiles(paths: readonly string[]): string {
    return this.publishedTableFiles(paths, CANONICAL_COLUMNS);
  }

  publishedTableFiles(paths: readonly string[], columns: readonly CanonicalColumn[]): string {
    if (paths.length === 0) return emptyTable(columns);
    return withCanonicalLayout(`read_parquet([${paths.map(literalPath).join(', ')}], union_by_name = true)`, columns);
  }

  async createTable(name: string, select: string): Promise<string> {
    const table = q(this.table(name));
    await this.engine.run(`CREATE TEMP TABLE ${table} AS ${select}`);
    return table;
  }

  async insertInto(table: string, select: string): Promise<void> {
    await this.engine.run(`INSERT INTO ${table} ${select}`);
  }

  async materialize(name: string, select: string): Promise<string> {
    await this.unordered(() => this.writeScratch(select, `${name}.parquet`));
    return this.scratchRelation(name);
  }

  async loadUnread(unread: UnreadRecords, lines: ReaderLines): Promise<LoadedUnread | null> {
    const [rejected] = await this.engine.query(`SELECT COUNT(*) AS n FROM ${q(unread.table)}`);
    if (Number(rejected?.n ?? 0) === 0) return null;
    const table = this.table('rejects');
    await this.engine.run(loadRejects(table, unread.table, unread.headerLines, lines.skipped));
    const [loaded] = await this.engine.query(`SELECT COUNT(*) AS n, MIN(_row_number) AS first FROM ${q(table)}`);
    const count = Number(loaded?.n ?? 0);
    if (count === 0) return null;
    const [spanning] = lines.spanning.length
      ? await this.engine.query(
          `SELECT MIN(line) AS line FROM ${q(unread.table)} WHERE line IN (${lines.spanning.join(', ')})`,
        )
      : [];
    const firstSpanning = spanning?.line === null || spanning?.line === undefined ? null : Number(spanning.line);
    return { table, rows: rejectsRelation(table, unread.columns), count, first: Number(loaded?.first), firstSpanning };
  }

  async mergeUnread(name: string, unread: LoadedUnread, checkedUnread: string): Promise<string> {
    const checked = this.scratchRelation(name);
    const merged = renumberedChecked(checked, unread.table, checkedUnread, 'source_row_number');
    await this.writeScratch(merged, 'renumbered.parquet');
    await rename(`${this.scratch}/renumbered.parquet`, `${this.scratch}/${name}.parquet`);
    return checked;
  }

  async stage(name: string, select: string): Promise<StagedFile> {
    const local = `${this.scratch}/${name}.parquet`;
    await this.engine.run(
      `COPY (${select}) TO ${lit(local)} (FORMAT parquet, COMPRESSION zstd, ${this.rowGroupSize()})`,
    );
    return { local };
  }

  async stagePartitioned(name: string, select: string): Promise<StagedClaimFile[]> {
    const folder = `${this.scratch}/${name}`;
    const months = await this.engine.query(`SELECT DISTINCT year, month FROM (${select}) ORDER BY year, month`);
    if (months.length > MONTHS_WRITTEN_ONE_BY_ONE) {
      await this.engine.run(
        `COPY (${select}) TO ${lit(folder)} (${this.published()}, PARTITION_BY (year, month), FILENAME_PATTERN 'part_{i}')`,
      );
    } else {
      // A feed usually spans a month or two: plain writes per month beat the partitioned writer.
      for (const { year, month } of months) {
        const dir = `${folder}/year=${year}/month=${month}`;
        await mkdir(dir, { recursive: true });
        await this.engine.run(
          `COPY (SELECT * EXCLUDE (year, month) FROM (${select}) WHERE year = ${lit(String(year))} AND month = ${lit(String(month))})
             TO ${lit(`${dir}/part_0.parquet`)} (${this.published()})`,
        );
      }
    }
    return listPartitioned(folder);
  }

  async dispose(): Promise<void> {
    for (const table of this.tables) await this.engine.run(`DROP TABLE IF EXISTS ${q(table)}`);
  }

  /**
   * Runs work whose output order does not matter (rows carry their source_row_number) without
   * DuckDB's insertion-order guarantee, which otherwise buffers out-of-order batches in memory.
   */
  private async unordered<T>(work: () => Promise<T>): Promise<T> {
    await this.engine.run('SET preserve_insertion_order = false');
    try {
      return await work();
    } finally {
      await this.engine.run('RESET preserve_insertion_order');
    }
  }

  private scratchRelation(name: string): string {
    return `read_parquet(${literalPath(`${this.scratch}/${name}.parquet`)})`;
  }

  private async writeScratch(select: string, file: string): Promise<void> {
    await this.engine.run(
      `COPY (${select}) TO ${lit(`${this.scratch}/${file}`)} (FORMAT parquet, COMPRESSION snappy, ${this.rowGroupSize()})`,
    );
  }

  private rowGroupSize(): string {
    return `ROW_GROUP_SIZE ${this.rowGroup}`;
  }

  private published(): string {
    return `FORMAT parquet, COMPRESSION zstd, ${this.rowGroupSize()}`;
  }

  /** A reader's rejects table, registered with the scan log DuckDB keeps beside it (`<table>_scan`). */
  private rejectsTable(stage: string): string {
    const table = this.table(stage);
    this.tables.push(`${table}_scan`);
    return table;
  }

  private table(stage: string): string {
    const name = `${stage}_${this.jobId.replaceAll('-', '_')}`;
    if (!this.tables.includes(name)) this.tables.push(name);
    return name;
  }
}

/** The files a partitioned write left under `year=/month=` folders, in their writer's order within each month. */
async function listPartitioned(folder: string): Promise<StagedClaimFile[]> {
  const written = existsSync(folder) ? await readdir(folder, { recursive: true }) : [];
  const files: Array<StagedClaimFile & { readonly part: number }> = [];
  for (const relative of written.map((p) => p.split(sep).join('/'))) {
    const match = /^year=(\d+)\/month=(\d+)\/part_(\d+)\.parquet$/.exec(relative);
    if (!match) continue;
    const [, year = '', month = '', part = ''] = match;
    files.push({ year, month, part: Number(part), file: { local: join(folder, relative) } });
  }
  files.sort((a, b) => a.year.localeCompare(b.year) || a.month.localeCompare(b.month) || a.part - b.part);
  return files.map(({ year, month, file }) => ({ year, month, file }));
}
