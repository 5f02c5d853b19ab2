import type { HashSlice } from '../../plan/compile-plan.ts';
import type { JobWorkspace } from './job-workspace.ts';

/**
 * Rows per pass of the claim-level and dedupe GROUP BYs, whose state grows with the distinct keys:
 * at 50M lines one pass took RSS to 1.8-1.9 GB (1500MB limit); in slices of this size each pass
 * holds a fraction of the keys (1.2 GB). Smaller files take one pass.
 */
const ROWS_PER_GROUPING_PASS = 15_000_000;

/** A temp table of a GROUP BY's rows, grouped one hash slice of the keys at a time; returns its relation. */
export async function groupInSlices(
  ws: JobWorkspace,
  name: string,
  rows: number,
  grouped: (slice: HashSlice) => string,
): Promise<string> {
  const of = Math.max(1, Math.ceil(rows / ROWS_PER_GROUPING_PASS));
  const table = await ws.createTable(name, grouped({ of, index: 0 }));
  for (let index = 1; index < of; index++) await ws.insertInto(table, grouped({ of, index }));
  return table;
}
