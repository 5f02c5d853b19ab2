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

export class DuckDbEngine implements Engine {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(options: DuckDbOptions): Promise<DuckDbEngine> {
    const config: Record<string, string> = {};
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.threads) config.threads = String(options.threads);
    if (options.tempDirectory) config.temp_directory = options.tempDirectory;
    const instance = await DuckDBInstance.create(options.path, config);
    const connection = await instance.connect();
    return new DuckDbEngine(instance, connection);
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
    this.instance.closeSync();
  }
}
