import type { RowRule } from '../../domain/rule.ts';
import {
  claimFileKey,
  monthOf,
  ownClaimFiles,
  ownQuarantineFiles,
  PREFIXES,
  quarantineRowsKey,
  tablePrefix,
} from '../../domain/store-layout.ts';
import { type FileHalt, judgeCheckedRows, judgeRowCount } from '../file-verdict.ts';
import { createLimiter } from '../limiter.ts';
import type { ObjectStore } from '../object-store.ts';
import { dropStale } from '../published-keys.ts';
import type { ValidationReport } from '../validation-report.ts';
import type { CheckedRows, Measured } from './checked-rows.ts';
import type { StagedClaimFile, StagedFile } from './job-workspace.ts';
import type { Timed } from './stage-timer.ts';

/** The dedupe stage's findings, in the report's terms. */
export interface Deduplicated {
  readonly processed: number;
  readonly exact: number;
  readonly conflicting: number;
  readonly flagged: number;
}

/** Nothing deduplicated: a file rejected whole, or rows that are not claim lines. */
export const NOT_DEDUPLICATED: Deduplicated = { processed: 0, exact: 0, conflicting: 0, flagged: 0 };

export interface Published {
  readonly deduplicated: Deduplicated;
  readonly outputs: Pick<ValidationReport['outputs'], 'processed' | 'quarantine_rows'>;
  /** `YYYY-MM` partitions whose published files changed. */
  readonly touched: readonly string[];
}

export interface PublishContext {
  readonly store: ObjectStore;
  /** Names the outputs, so a later delivery of the same object replaces them. */
  readonly sourceKey: string;
  /** `validate` deduplicates (to count) but publishes nothing. */
  readonly mode: 'run' | 'validate';
  readonly timed: Timed;
  /** The table the rows are published to (its folder under processed/). */
  readonly table: string;
  /** Serialises the moves into processed/ with the aggregations that read those files. */
  readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>;
}

/** The checks' counts, and the file-level verdict on them: null, or why the whole file is rejected. */
export async function judgeChecked(
  rows: CheckedRows,
  rules: readonly RowRule[],
  errorRateThreshold: number,
  timed: Timed,
): Promise<{ readonly measured: Measured; readonly halt: FileHalt | null }> {
  const summary = await timed('measure', () => rows.summarize());
  const empty = judgeRowCount(summary.total);
  if (empty) {
    return { measured: { ...summary, counts: new Map(), samples: new Map(), dimensionFailures: null }, halt: empty };
  }
  const measured = await timed('measure', () => rows.measure(summary));
  return { measured, halt: judgeCheckedRows(measured, rules, errorRateThreshold) };
}

/** dedupe, route, publish: the duplicates counted, then the quarantined rows and the claims moved into place. */
export async function publishChecked(rows: CheckedRows, measured: Measured, ctx: PublishContext): Promise<Published> {
  const counts = await ctx.timed('dedupe', () => rows.countDuplicates());
  const exact = counts.repeated_rows - counts.distinct_lines;
  const conflicting = counts.distinct_lines - counts.kept;
  const processed = measured.total - measured.quarantined - exact - conflicting;
  const deduplicated = { processed, exact, conflicting, flagged: counts.flagged };
  if (ctx.mode === 'validate') return { deduplicated, outputs: { processed: [], quarantine_rows: null }, touched: [] };
  const quarantineRows = await ctx.timed('route', async () =>
    placeQuarantine(ctx, measured.quarantined === 0 ? [] : await rows.stageQuarantine()),
  );
  const { published, touched } = await ctx.timed('publish', async () => {
    const staged = processed > 0 ? await rows.stageClaims() : [];
    return ctx.exclusive(() => placeClaims(ctx, staged));
  });
  return { deduplicated, outputs: { processed: published, quarantine_rows: quarantineRows }, touched };
}

/**
 * Objects copied at once when Spark's part files move out of temp/: S3 copies them server-side, so
 * only requests wait (a file spanning many months has hundreds of parts, one by one they could reach
 * the function's timeout). Local files go one at a time: each upload buffers its parts in memory.
 */
export const COPY_CONCURRENCY = 16;

/** Places each staged file at its key; store copies side by side within COPY_CONCURRENCY. */
async function placeAll(store: ObjectStore, placements: ReadonlyArray<readonly [StagedFile, string]>): Promise<void> {
  const copies = createLimiter(COPY_CONCURRENCY);
  const uploads = createLimiter(1);
  await Promise.all(
    placements.map(([file, key]) => ('local' in file ? uploads : copies)(() => placeStaged(store, file, key))),
  );
}

/** Moves a staged file to `key`: a local file is moved in, an object in the store is copied. */
export async function placeStaged(store: ObjectStore, file: StagedFile, key: string): Promise<void> {
  if ('local' in file) await store.publish(file.local, key);
  else await store.copy(file.key, key);
}

/**
 * The quarantined rows as `<sourceKey>.parquet`, or numbered parts when the engine wrote several;
 * this source's earlier files (either naming) not rewritten are removed. Returns the key or the parts' pattern.
 */
async function placeQuarantine(ctx: PublishContext, staged: readonly StagedFile[]): Promise<string | null> {
  const keys = staged.map((_, n) => quarantineRowsKey(ctx.sourceKey, staged.length === 1 ? null : n));
  await placeAll(
    ctx.store,
    staged.map((file, n) => [file, keys[n] as string] as const),
  );
  await dropStale(ctx.store, PREFIXES.quarantineRows, ownQuarantineFiles(ctx.sourceKey), keys);
  if (staged.length <= 1) return keys[0] ?? null;
  return quarantineRowsKey(ctx.sourceKey, '*');
}

/** The rows into their table's months as `<sourceKey>-<n>.parquet`; this source's stale files are removed. */
async function placeClaims(
  ctx: PublishContext,
  staged: readonly StagedClaimFile[],
): Promise<{ published: string[]; touched: string[] }> {
  const next = new Map<string, number>();
  const placements = staged.map(({ year, month, file }) => {
    const n = next.get(`${year}-${month}`) ?? 0;
    next.set(`${year}-${month}`, n + 1);
    return [file, claimFileKey(ctx.sourceKey, year, month, n, ctx.table)] as const;
  });
  await placeAll(ctx.store, placements);
  const published = placements.map(([, key]) => key);
  const touched = new Set(published.map(monthOf));
  for (const key of await dropStale(ctx.store, tablePrefix(ctx.table), ownClaimFiles(ctx.sourceKey), published)) {
    touched.add(monthOf(key));
  }
  return { published, touched: [...touched].sort() };
}
