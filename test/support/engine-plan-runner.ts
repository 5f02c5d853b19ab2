import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { DuckDbEngine } from '../../src/adapters/duckdb/duckdb-engine.ts';
import { duckdbDialect } from '../../src/plan/duckdb-dialect.ts';
import { csvRelation, numberedParquet } from '../../src/plan/duckdb-ingest.ts';
import type { EnginePlan } from '../../src/plan/engine-plan.ts';

const lit = duckdbDialect.stringLiteral;
const q = duckdbDialect.quoteIdent;

/**
 * What glue/run_plan.py does, on DuckDB, for a plan in the DuckDB dialect whose input is a local
 * CSV file: the input as numbered text rows, the reference lists as views, then each statement
 * as a table named after it. `scratch` holds the numbered rows.
 */
export async function runEnginePlan(engine: DuckDbEngine, plan: EnginePlan, scratch: string): Promise<void> {
  if (plan.input.format !== 'csv') throw new Error(`runEnginePlan reads CSV, not ${plan.input.format}`);
  const raw = join(scratch, `raw-${randomUUID()}.parquet`);
  const read = {
    path: plan.input.path,
    gzip: plan.input.compression === 'gzip',
    delimiter: plan.input.delimiter ?? ',',
    columns: plan.input.view_columns,
  };
  await engine.run(`COPY (SELECT * FROM ${csvRelation(read)}) TO ${lit(raw)} (FORMAT parquet)`);
  await engine.run(`CREATE TABLE ${q(plan.input.view)} AS SELECT * FROM ${numberedParquet(raw)}`);
  for (const [view, path] of Object.entries(plan.code_sets)) {
    await engine.run(
      `CREATE VIEW ${q(view)} AS SELECT * FROM read_csv(${lit(path)}, header = true, all_varchar = true)`,
    );
  }
  for (const statement of plan.statements) await engine.run(`CREATE TABLE ${q(statement.name)} AS ${statement.sql}`);
}
