import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AGGREGATIONS } from '../../domain/aggregations.ts';
import { duckdbDialect } from '../../plan/duckdb-dialect.ts';
import { DuckDbEngine } from './duckdb-engine.ts';

const lit = duckdbDialect.stringLiteral;

/**
 * The local warehouse: `<root>/warehouse.duckdb`, whose tables are views over the published
 * Parquet (like external tables), so a replaced file never leaves stale or doubled rows.
 */
export class DuckDbWarehouse {
  constructor(private readonly root: string) {}

  get path(): string {
    return join(this.root, 'warehouse.duckdb');
  }

  /** (Re)creates the views; a view whose files do not exist yet is dropped. */
  async refresh(): Promise<void> {
    const engine = await DuckDbEngine.open({ path: this.path });
    try {
      for (const [view, source] of this.views()) {
        if (source)
          await engine.run(`CREATE OR REPLACE VIEW ${duckdbDialect.quoteIdent(view)} AS SELECT * FROM ${source}`);
        else await engine.run(`DROP VIEW IF EXISTS ${duckdbDialect.quoteIdent(view)}`);
      }
    } finally {
      engine.close();
    }
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    await this.refresh();
    const engine = await DuckDbEngine.open({ path: this.path });
    try {
      return await engine.query(sql);
    } finally {
      engine.close();
    }
  }

  private views(): Array<[string, string | null]> {
    const parquet = (folder: string, glob: string, hive: boolean): string | null =>
      hasFiles(join(this.root, folder), '.parquet')
        ? `read_parquet(${lit(join(this.root, folder, glob))}, union_by_name = true, hive_partitioning = ${hive})`
        : null;
    const reports = join(this.root, 'validation-reports');
    return [
      ['medical_claim', parquet('processed/claims', '*/*/*.parquet', true)],
      ['quarantine_rows', parquet('quarantine/rows', '*.parquet', false)],
      ...AGGREGATIONS.map((a): [string, string | null] => [
        a.name,
        parquet(`processed/aggregations/${a.name}`, '*.parquet', false),
      ]),
      [
        'validation_reports',
        hasFiles(reports, '.json') ? `read_json_auto(${lit(join(reports, '*.json'))}, union_by_name = true)` : null,
      ],
    ];
  }
}

function hasFiles(folder: string, extension: string): boolean {
  if (!existsSync(folder)) return false;
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).some((f) => f.endsWith(extension));
}
