import { AGGREGATIONS } from '../domain/aggregations.ts';
import { aggregationKey, claimPartitionPrefix } from '../domain/store-layout.ts';
import { compileAggregation } from '../plan/compile-aggregation.ts';
import { placeStaged } from './file-job/publish-checked.ts';
import type { ObjectStore } from './object-store.ts';
import type { Engine } from './ports.ts';

const SCRATCH = 'aggregations';

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
  const ws = engine.openWorkspace(SCRATCH, await store.scratchDir(SCRATCH));
  try {
    for (const yearMonth of months) {
      const [year = '', month = ''] = yearMonth.split('-');
      const files = (await store.list(claimPartitionPrefix(year, month))).filter((k) => k.endsWith('.parquet'));
      const lines = ws.publishedClaimFiles(await Promise.all(files.map((f) => store.fetchLocal(f, SCRATCH))));
      for (const aggregation of AGGREGATIONS) {
        const key = aggregationKey(aggregation.name, year, month);
        if (files.length === 0) {
          await store.delete(key);
          continue;
        }
        const select = compileAggregation(ws.dialect, aggregation, lines, year, month);
        await placeStaged(store, await ws.stage(`${aggregation.name}-${year}-${month}`, select), key);
        written.push(key);
      }
    }
  } finally {
    await ws.dispose();
    await store.dropScratch(SCRATCH);
  }
  return written;
}
