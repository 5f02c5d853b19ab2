import { AGGREGATIONS } from '../domain/aggregations.ts';
import { aggregationKey, claimPartitionPrefix } from '../domain/store-layout.ts';
import { compileAggregation } from '../plan/compile-aggregation.ts';
import { duckdbDialect } from '../plan/duckdb-dialect.ts';
import type { ObjectStore } from './object-store.ts';
import type { Engine } from './ports.ts';

/**
 * Recomputes every aggregation for the months whose claim files changed, from all files
 * of that month (not only this run's), so the totals always match the published lines.
 */
export async function publishAggregations(
  months: readonly string[],
  engine: Engine,
  store: ObjectStore,
): Promise<string[]> {
  const written: string[] = [];
  const scratch = await store.scratchDir('aggregations');
  try {
    for (const yearMonth of months) {
      const [year = '', month = ''] = yearMonth.split('-');
      const files = (await store.list(claimPartitionPrefix(year, month))).filter((k) => k.endsWith('.parquet'));
      const paths = await Promise.all(files.map((f) => store.fetchLocal(f, 'aggregations')));
      for (const aggregation of AGGREGATIONS) {
        const key = aggregationKey(aggregation.name, year, month);
        if (files.length === 0) {
          await store.delete(key);
          continue;
        }
        const lines = `read_parquet([${paths.map((p) => duckdbDialect.stringLiteral(p)).join(', ')}], union_by_name = true)`;
        const local = `${scratch}/${aggregation.name}-${year}-${month}.parquet`;
        await engine.run(
          `COPY (${compileAggregation(duckdbDialect, aggregation, lines, year, month)}) TO ${duckdbDialect.stringLiteral(local)} (FORMAT parquet)`,
        );
        await store.publish(local, key);
        written.push(key);
      }
    }
  } finally {
    await store.dropScratch('aggregations');
  }
  return written;
}
