// One baseline measurement in its own process, so its peak memory is its own:
//   copy  FILE OUT  -> DuckDB reads the CSV and writes it to one Parquet file, no transformation
//   count FILE      -> DuckDB only reads the file
//   rewrite GLOB OUT -> DuckDB reads the pipeline's published Parquet and writes it again as the
//                       pipeline does: the cost of the canonical output alone, with nothing to check
import { DuckDbEngine } from '../src/adapters/duckdb/duckdb-engine.ts';
import { duckdbDialect } from '../src/plan/duckdb-dialect.ts';

const [mode, file = '', out = '', memoryLimit = '1GB'] = process.argv.slice(2);
const lit = duckdbDialect.stringLiteral;
const engine = await DuckDbEngine.open({ path: ':memory:', memoryLimit });
const started = performance.now();
if (mode === 'copy') {
  await engine.run(`COPY (SELECT * FROM read_csv(${lit(file)})) TO ${lit(out)} (FORMAT parquet)`);
} else if (mode === 'rewrite') {
  await engine.run(
    `COPY (SELECT * FROM read_parquet(${lit(file)})) TO ${lit(out)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
  );
} else {
  await engine.query(`SELECT COUNT(*) FROM read_csv(${lit(file)})`);
}
const elapsedMs = performance.now() - started;
engine.close();
process.stdout.write(
  `${JSON.stringify({ elapsed_ms: Math.round(elapsedMs), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
