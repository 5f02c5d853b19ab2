import { AGGREGATIONS } from '../domain/aggregations.ts';
import { aggregationKey, claimPartitionPrefix, tablePrefix, wholeAggregationKey } from '../domain/store-layout.ts';
import { TABLES } from '../domain/tables/tables.ts';
import { compileAggregation } from '../plan/compile-aggregation.ts';
import { type AggregatedTable, TABLE_AGGREGATIONS, type TableRelations } from '../plan/compile-table-aggregations.ts';
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

/**
 * Each aggregation across tables whose base table has files, from every published file of the tables
 * it reads; one without is removed. A feed of medical claims only reads nothing here.
 */
async function publishTableAggregations(ws: JobWorkspace, store: ObjectStore): Promise<string[]> {
  const keysOf = new Map<string, string[]>();
  for (const table of TABLES) {
    keysOf.set(
      table.name,
      (await store.list(tablePrefix(table.name))).filter((k) => k.endsWith('.parquet')),
    );
  }
  const due = TABLE_AGGREGATIONS.filter((a) => (keysOf.get(a.base)?.length ?? 0) > 0);
  for (const aggregation of TABLE_AGGREGATIONS) {
    if (!due.includes(aggregation)) await store.delete(wholeAggregationKey(aggregation.name));
  }
  const read = new Set(due.flatMap((a) => a.reads));
  const relations: Record<string, string> = {};
  for (const table of TABLES) {
    if (!read.has(table.name as AggregatedTable)) continue;
    const paths = await Promise.all((keysOf.get(table.name) ?? []).map((k) => store.fetchLocal(k, SCRATCH)));
    relations[table.name] = ws.publishedTableFiles(paths, table.columns);
  }
  const relationOf: TableRelations = (name) => relations[name] ?? '';
  const written: string[] = [];
  for (const aggregation of due) {
    const key = wholeAggregationKey(aggregation.name);
    const select = aggregation.compile(ws.dialect, relationOf);
    await placeStaged(store, await ws.stage(aggregation.name, select), key);
    written.push(key);
  }
  return written;
}
