import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { JobWorkspace } from '../../pipeline/file-job/job-workspace.ts';
import type { Engine } from '../../pipeline/ports.ts';
import { duckdbDialect } from '../../plan/duckdb-dialect.ts';
import { DuckDbWorkspace } from './duckdb-workspace.ts';

export interface DuckDbOptions {
  /** Database file, or ':memory:'. */
  readonly path: string;
  readonly memoryLimit?: string;
  readonly threads?: number;
  /** Where DuckDB spills when a stage does not fit in memory. */
  readonly tempDirectory?: string;
}

/** One DuckDB database; each concurrent job gets its own connection (its own temp tables). */
export class DuckDbDatabase {
  private constructor(private readonly instance: DuckDBInstance) {}

  static async open(options: DuckDbOptions): Promise<DuckDbDatabase> {
    const config: Record<string, string> = {};
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    config.enable_external_file_cache = 'false';
    // Freed memory goes back to the OS after each task instead of staying in the allocator's
    // cache (128MB and 512MB by default): a GROUP BY's freed state otherwise stays resident and
    // adds to the next stage's peak (50M lines: +250 MB over the month's aggregations).
    config.allocator_flush_threshold = '16MB';
    config.allocator_bulk_deallocation_flush_threshold = '16MB';
    if (options.threads) config.threads = String(options.threads);
    if (options.tempDirectory) config.temp_directory = options.tempDirectory;
    return new DuckDbDatabase(await DuckDBInstance.create(options.path, config));
  }

  async connect(): Promise<DuckDbEngine> {
    const connection = await this.instance.connect();
    // Progress is tracked per connection and only when the bar is on; printing it is DuckDB's
    // own bar on stdout, so that stays off, and it starts at once instead of after 2 s.
    await connection.run(
      'SET enable_progress_bar = true; SET enable_progress_bar_print = false; SET progress_bar_time = 0',
    );
    return new DuckDbEngine(connection);
  }

  close(): void {
    this.instance.closeSync();
  }
}

export class DuckDbEngine implements Engine {
  readonly dialect = duckdbDialect;
  private owner: DuckDbDatabase | undefined;

  constructor(private readonly connection: DuckDBConnection) {}

  /** A database with a single connection, closed together. */
  static async open(options: DuckDbOptions): Promise<DuckDbEngine> {
    const database = await DuckDbDatabase.open(options);
    const engine = await database.connect();
    engine.owner = database;
    return engine;
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as Record<string, unknown>[];
  }

  /**
   * DuckDB's percentage of the running query, -1 when one of its operators can't tell (the
   * check statement, whatever its shape); polled from a timer while a statement runs on this
   * connection. Its rows_processed and total_rows_to_process are not rows of the file (a CSV
   * read counts buffers; a join counts both sides), so only the share is used.
   */
  progress(): number | null {
    const { percentage } = this.connection.progress;
    return percentage < 0 ? null : Math.min(1, percentage / 100);
  }

  /**
   * Runs `sql` and yields its rows a chunk (2,048 rows) at a time, never holding the whole result.
   * `js`: numbers, bigints, Dates; `text`: what DuckDB prints (timestamps with their time,
   * decimals with their scale, big integers as digits), lists and structs as JSON-ready values.
   */
  async stream(sql: string, as: 'js' | 'text'): Promise<{ columns: string[]; chunks: AsyncIterable<unknown[][]> }> {
    const result = await this.connection.stream(sql);
    return { columns: result.columnNames(), chunks: as === 'js' ? result.yieldRowsJs() : result.yieldRowsJson() };
  }

  openWorkspace(jobId: string, scratch: string): JobWorkspace {
    return new DuckDbWorkspace(this, jobId, scratch);
  }

  close(): void {
    this.connection.closeSync();
    this.owner?.close();
  }
}
