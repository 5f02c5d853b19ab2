// One baseline measurement in its own process, so its peak memory is its own:
//   copy  FILE OUT  -> DuckDB reads the CSV and writes it to one Parquet file, no transformation
//   count FILE      -> DuckDB only reads the file
//   canonical FILE OUT -> as copy, but in the canonical model's columns as the pipeline publishes
//                       them (the file's columns as read, the absent ones NULL) and without keeping
//                       row order (the pipeline's rows carry their row number): the layout's cost
import { DuckDbEngine } from '../src/adapters/duckdb/duckdb-engine.ts';
import { CANONICAL_COLUMNS } from '../src/domain/canonical-model.ts';
import { duckdbDialect } from '../src/plan/duckdb-dialect.ts';
import { nullOf } from '../src/plan/normalize.ts';

const [mode, file = '', out = '', memoryLimit = '1GB'] = process.argv.slice(2);
const lit = duckdbDialect.stringLiteral;
const engine = await DuckDbEngine.open({ path: ':memory:', memoryLimit });
const started = performance.now();
if (mode === 'copy') {
  await engine.run(`COPY (SELECT * FROM read_csv(${lit(file)})) TO ${lit(out)} (FORMAT parquet)`);
} else if (mode === 'canonical') {
  const q = duckdbDialect.quoteIdent;
  const header = new Set(
    (await engine.query(`DESCRIBE SELECT * FROM read_csv(${lit(file)})`)).map((r) => r.column_name),
  );
  const columns = CANONICAL_COLUMNS.map((c) =>
    header.has(c.name) ? q(c.name) : `${nullOf(duckdbDialect, c.kind)} AS ${q(c.name)}`,
  );
  // Kept order would more than double this: the writer buffers ~160-column batches to order them.
  await engine.run('SET preserve_insertion_order = false');
  await engine.run(
    `COPY (SELECT ${columns.join(', ')} FROM read_csv(${lit(file)})) TO ${lit(out)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
  );
} else {
  await engine.query(`SELECT COUNT(*) FROM read_csv(${lit(file)})`);
}
const elapsedMs = performance.now() - started;
engine.close();
process.stdout.write(
  `${JSON.stringify({ elapsed_ms: Math.round(elapsedMs), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
