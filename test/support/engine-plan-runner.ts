import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDbEngine } from '../../src/adapters/duckdb/duckdb-engine.ts';
import { duckdbDialect } from '../../src/plan/duckdb-dialect.ts';
import { csvRelation, numberedParquet } from '../../src/plan/duckdb-ingest.ts';
import type { EnginePlan, EngineStatement } from '../../src/plan/engine-plan.ts';

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

/**
 * Writes each output of a plan run by `runEnginePlan` where its `output.path` (a local folder)
 * says, laid out as Spark writes it: a JSON output as JSON lines in one `part-00000-<uuid>-c000.json`,
 * a Parquet output as `part-NNNNN-<uuid>.c000.snappy.parquet` files (rows split in two parts by
 * row number where they carry one, so readers meet several parts), partitioned ones in
 * `year=YYYY/month=MM/` folders without those columns; `_SUCCESS` in each output folder.
 */
export async function writeSparkOutputs(engine: DuckDbEngine, plan: EnginePlan): Promise<void> {
  for (const statement of plan.statements) {
    const { output } = statement;
    if (!output) continue;
    await mkdir(output.path, { recursive: true });
    if (output.format === 'json') {
      const file = join(output.path, `part-00000-${randomUUID()}-c000.json`);
      await engine.run(`COPY ${q(statement.name)} TO ${lit(file)} (FORMAT json)`);
    } else if (output.partition_by?.length) {
      const columns = output.partition_by.map(q).join(', ');
      for (const partition of await engine.query(`SELECT DISTINCT ${columns} FROM ${q(statement.name)}`)) {
        const where = output.partition_by.map((c) => `${q(c)} = ${lit(String(partition[c]))}`).join(' AND ');
        const folder = join(output.path, ...output.partition_by.map((c) => `${c}=${partition[c]}`));
        await writeParquetParts(
          engine,
          statement,
          `SELECT * EXCLUDE (${columns}) FROM ${q(statement.name)} WHERE ${where}`,
          folder,
        );
      }
    } else {
      await writeParquetParts(engine, statement, `SELECT * FROM ${q(statement.name)}`, output.path);
    }
    await writeFile(join(output.path, '_SUCCESS'), '');
  }
}

async function writeParquetParts(
  engine: DuckDbEngine,
  statement: EngineStatement,
  rows: string,
  folder: string,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  const [numbered] = await engine.query(
    `SELECT COUNT(*) AS n FROM (DESCRIBE ${q(statement.name)}) WHERE column_name = 'source_row_number'`,
  );
  const parts = Number(numbered?.n) > 0 ? [0, 1] : [null];
  for (const [i, parity] of parts.entries()) {
    const file = join(folder, `part-${String(i).padStart(5, '0')}-${randomUUID()}.c000.snappy.parquet`);
    const where = parity === null ? '' : ` WHERE source_row_number % 2 = ${parity}`;
    await engine.run(`COPY (SELECT * FROM (${rows})${where}) TO ${lit(file)} (FORMAT parquet, COMPRESSION snappy)`);
  }
}
