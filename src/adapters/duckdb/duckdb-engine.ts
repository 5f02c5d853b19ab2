import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Engine } from '../../pipeline/ports.ts';

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
    if (options.threads) config.threads = String(options.threads);
    if (options.tempDirectory) config.temp_directory = options.tempDirectory;
    return new DuckDbDatabase(await DuckDBInstance.create(options.path, config));
  }

  async connect(): Promise<DuckDbEngine> {
    return new DuckDbEngine(await this.instance.connect());
  }

  close(): void {
    this.instance.closeSync();
  }
}

export class DuckDbEngine implements Engine {
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

  close(): void {
    this.connection.closeSync();
    this.owner?.close();
  }
}
