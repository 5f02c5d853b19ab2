// Experiment (issue 24): what the canonical layout's absent columns cost the partitioned write.
// `node --import tsx scripts/publish-width-experiment.ts PUBLISHED_GLOB CSV OUTDIR [rounds]`
import { rmSync } from 'node:fs';
import { DuckDbEngine } from '../src/adapters/duckdb/duckdb-engine.ts';

const [glob = '', csv = '', out = '', roundsArg = '2'] = process.argv.slice(2);
const engine = await DuckDbEngine.open({ path: ':memory:', memoryLimit: '1200MB' });
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;
const q = (s: string) => `"${s}"`;
const described = await engine.query(`DESCRIBE SELECT * FROM read_parquet(${lit(glob)}, hive_partitioning = true)`);
const all = described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
const counts = (
  await engine.query(
    `SELECT ${all.map((c) => `COUNT(${q(c.name)}) AS ${q(c.name)}`).join(', ')} FROM read_parquet(${lit(glob)}, hive_partitioning = true)`,
  )
)[0] as Record<string, unknown>;
const populated = all.filter((c) => Number(counts[c.name]) > 0);
process.stderr.write(`${all.length} columns, ${populated.length} populated\n`);
const source = `${out}/source.parquet`;
await engine.run(
  `COPY (SELECT ${populated.map((c) => q(c.name)).join(', ')} FROM read_parquet(${lit(glob)}, hive_partitioning = true)) TO ${lit(source)} (FORMAT parquet, COMPRESSION snappy)`,
);
const present = new Set(populated.map((c) => c.name));
const wide = all.map((c) => (present.has(c.name) ? q(c.name) : `CAST(NULL AS ${c.type}) AS ${q(c.name)}`)).join(', ');
const narrow = populated.map((c) => q(c.name)).join(', ');
const zstd = 'FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880';
const part = 'PARTITION_BY (year, month)';
const variants: Record<string, string> = {
  'all columns, partitioned': `COPY (SELECT ${wide} FROM read_parquet(${lit(source)})) TO ${lit(`${out}/v`)} (${zstd}, ${part})`,
  'populated only, partitioned': `COPY (SELECT ${narrow} FROM read_parquet(${lit(source)})) TO ${lit(`${out}/v`)} (${zstd}, ${part})`,
  'all columns, one file': `COPY (SELECT ${wide} FROM read_parquet(${lit(source)})) TO ${lit(`${out}/v.parquet`)} (${zstd})`,
  'populated only, one file': `COPY (SELECT ${narrow} FROM read_parquet(${lit(source)})) TO ${lit(`${out}/v.parquet`)} (${zstd})`,
  'all columns, partitioned, uncompressed': `COPY (SELECT ${wide} FROM read_parquet(${lit(source)})) TO ${lit(`${out}/v`)} (FORMAT parquet, COMPRESSION uncompressed, ROW_GROUP_SIZE 122880, ${part})`,
  'all columns, partitioned, no dictionary, v2': `COPY (SELECT ${wide} FROM read_parquet(${lit(source)})) TO ${lit(`${out}/v`)} (${zstd}, ${part}, DICTIONARY_SIZE_LIMIT 0, PARQUET_VERSION v2)`,
  'raw partitioned copy of the CSV': `COPY (SELECT *, year(TRY_CAST(claim_start_date AS DATE)) AS year, month(TRY_CAST(claim_start_date AS DATE)) AS month FROM read_csv(${lit(csv)})) TO ${lit(`${out}/v`)} (${zstd}, ${part})`,
};
const rounds = Number(roundsArg);
for (let r = 0; r < rounds; r++) {
  for (const [name, sql] of Object.entries(variants)) {
    rmSync(`${out}/v`, { recursive: true, force: true });
    rmSync(`${out}/v.parquet`, { force: true });
    const t = performance.now();
    const cpu = process.cpuUsage();
    await engine.run(sql);
    const used = process.cpuUsage(cpu);
    const wall = (performance.now() - t) / 1000;
    const load = (await import('node:os')).loadavg()[0]?.toFixed(1);
    process.stdout.write(
      `round ${r + 1}\t${name}\t${wall.toFixed(1)} s wall\t${((used.user + used.system) / 1e6).toFixed(1)} s CPU\tload ${load}\n`,
    );
  }
}
engine.close();
