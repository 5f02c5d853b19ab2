// One baseline measurement in its own process, so its peak memory is its own:
//   copy  FILE OUT  -> DuckDB reads the CSV and writes it to one Parquet file, no transformation
//   text  FILE OUT  -> as copy, every column as text (snappy, as the ingest stage writes it)
//   partitioned FILE DIR -> as copy, partitioned by the year and month of claim_start_date (the
//                       layout the pipeline publishes, its date notations), nothing checked
//   count FILE      -> DuckDB only reads the file
import { DuckDbEngine } from '../src/adapters/duckdb/duckdb-engine.ts';
import { duckdbDialect } from '../src/plan/duckdb-dialect.ts';

const [mode, file = '', out = '', memoryLimit = '1GB'] = process.argv.slice(2);
const lit = duckdbDialect.stringLiteral;
const engine = await DuckDbEngine.open({ path: ':memory:', memoryLimit });
const started = performance.now();
if (mode === 'copy') {
  await engine.run(`COPY (SELECT * FROM read_csv(${lit(file)})) TO ${lit(out)} (FORMAT parquet)`);
} else if (mode === 'text') {
  await engine.run(
    `COPY (SELECT * FROM read_csv(${lit(file)}, all_varchar = true)) TO ${lit(out)} (FORMAT parquet, COMPRESSION snappy)`,
  );
} else if (mode === 'partitioned') {
  const text = 'CAST(claim_start_date AS VARCHAR)';
  const start = `COALESCE(TRY_CAST(${text} AS DATE), CAST(TRY_STRPTIME(${text}, ['%Y%m%d', '%m/%d/%Y']) AS DATE))`;
  await engine.run(
    `COPY (SELECT *, year(${start}) AS year, month(${start}) AS month FROM read_csv(${lit(file)}))
       TO ${lit(out)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880, PARTITION_BY (year, month))`,
  );
} else {
  await engine.query(`SELECT COUNT(*) FROM read_csv(${lit(file)})`);
}
const elapsedMs = performance.now() - started;
engine.close();
process.stdout.write(
  `${JSON.stringify({ elapsed_ms: Math.round(elapsedMs), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
