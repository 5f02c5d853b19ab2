import { AGGREGATIONS } from '../domain/aggregations.ts';
import { aggregationKey, claimPartitionPrefix, tablePrefix, wholeAggregationKey } from '../domain/store-layout.ts';
import { TABLES } from '../domain/tables/tables.ts';
import { compileAggregation } from '../plan/compile-aggregation.ts';
import { TABLE_AGGREGATIONS, type TableRelations } from '../plan/compile-table-aggregations.ts';
import type { JobWorkspace } from './file-job/job-workspace.ts';
import { placeStaged } from './file-job/publish-checked.ts';
import type { ObjectStore } from './object-store.ts';
import type { Engine } from './ports.ts';

const SCRATCH = 'aggregations';

/**
 * Recomputes every aggregation for the months whose claim files changed, from all files
 * of that month (not only this run's), so the totals always match the published lines; then,
 * when anything changed, the aggregations across tables (member months, PMPM, pharmacy spend).
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
    if (months.length > 0) written.push(...(await publishTableAggregations(ws, store)));
  } finally {
    await ws.dispose();
    await store.dropScratch(SCRATCH);
  }
  return written;
}

/** Each aggregation across tables, from every published file of the tables it reads; one with none of them is removed. */
async function publishTableAggregations(ws: JobWorkspace, store: ObjectStore): Promise<string[]> {
  const relations: Record<string, string> = {};
  const published = new Set<string>();
  for (const table of TABLES) {
    const keys = (await store.list(tablePrefix(table.name))).filter((k) => k.endsWith('.parquet'));
    if (keys.length > 0) published.add(table.name);
    const paths = await Promise.all(keys.map((k) => store.fetchLocal(k, SCRATCH)));
    relations[table.name] = ws.publishedTableFiles(paths, table.columns);
  }
  const relationOf: TableRelations = (name) => relations[name] ?? '';
  const written: string[] = [];
  for (const aggregation of TABLE_AGGREGATIONS) {
    const key = wholeAggregationKey(aggregation.name);
    if (!aggregation.reads.some((t) => published.has(t))) {
      await store.delete(key);
      continue;
    }
    const select = aggregation.compile(ws.dialect, relationOf);
    await placeStaged(store, await ws.stage(aggregation.name, select), key);
    written.push(key);
  }
  return written;
}
