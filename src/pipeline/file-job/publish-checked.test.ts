import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { tempDir } from '../../../test/support/cli.ts';
import { FakeCheckedRows, measuredOf } from '../../../test/support/fake-checked-rows.ts';
import { MemoryObjectStore } from '../../../test/support/memory-object-store.ts';
import { COPY_CONCURRENCY, type PublishContext, publishChecked } from './publish-checked.ts';
import type { Timed } from './stage-timer.ts';

const SOURCE = 'claims.csv-0123456789';
const OTHER = 'old-claims.csv-0123456789';

describe('publishChecked: what both engines publish', () => {
  let dir: string | undefined;
  let store: MemoryObjectStore;
  let stages: string[];
  let files = 0;
  const timed: Timed = async (stage, work) => {
    stages.push(stage);
    return work();
  };
  const ctx = (overrides: Partial<PublishContext> = {}): PublishContext => ({
    store,
    sourceKey: SOURCE,
    table: 'medical_claim',
    mode: 'run',
    timed,
    exclusive: (work) => work(),
    ...overrides,
  });

  /** A staged local file (DuckDB's scratch) holding `content`. */
  const local = async (content: string): Promise<{ local: string }> => {
    const path = join(dir as string, `staged-${++files}.parquet`);
    await writeFile(path, content);
    return { local: path };
  };
  const text = (key: string): string | undefined => store.bytes(key)?.toString();

  before(async () => {
    dir = await tempDir('publish-checked');
  });
  beforeEach(() => {
    store = new MemoryObjectStore();
    stages = [];
  });
  after(async () => {
    await store?.dropAllScratch();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  describe('publishChecked', () => {
    it('names claims per month and numbers them, moves one quarantine file in, drops this source’s stale files only', async () => {
      // An earlier delivery of the same source: a September file, a fourth October part, Spark-named quarantine parts.
      const stale = [
        `processed/claims/year=2025/month=09/${SOURCE}-0.parquet`,
        `processed/claims/year=2025/month=10/${SOURCE}-3.parquet`,
        `quarantine/rows/${SOURCE}-0.parquet`,
        `quarantine/rows/${SOURCE}-1.parquet`,
      ];
      const others = [
        `processed/claims/year=2025/month=09/${OTHER}-0.parquet`,
        `processed/claims/year=2025/month=08/claims.csv-9876543210-0.parquet`,
        `quarantine/rows/${OTHER}.parquet`,
        `quarantine/rows/claims.csv-9876543210-0.parquet`,
      ];
      for (const key of [...stale, ...others]) await store.writeText(key, 'old');
      const claims = [
        { year: '2025', month: '10', file: await local('oct-a') },
        { year: '2025', month: '10', file: await local('oct-b') },
        { year: '2025', month: '11', file: await local('nov-a') },
      ];
      const quarantine = [await local('quarantined')];
      const rows = new FakeCheckedRows({
        summary: { total: 200, quarantined: 9 },
        duplicates: { repeated_rows: 6, distinct_lines: 3, kept: 2, flagged: 2 },
        quarantine,
        claims,
      });

      const published = await publishChecked(rows, measuredOf(200, 9), ctx());

      assert.deepEqual(published.deduplicated, { processed: 187, exact: 3, conflicting: 1, flagged: 2 });
      const expected = [
        `processed/claims/year=2025/month=10/${SOURCE}-0.parquet`,
        `processed/claims/year=2025/month=10/${SOURCE}-1.parquet`,
        `processed/claims/year=2025/month=11/${SOURCE}-0.parquet`,
      ];
      assert.deepEqual(published.outputs, {
        processed: expected,
        quarantine_rows: `quarantine/rows/${SOURCE}.parquet`,
      });
      assert.deepEqual(expected.map(text), ['oct-a', 'oct-b', 'nov-a']);
      assert.equal(text(`quarantine/rows/${SOURCE}.parquet`), 'quarantined');
      assert.deepEqual(published.touched, ['2025-09', '2025-10', '2025-11']);
      assert.deepEqual(
        store.keys(),
        [...others, ...expected, `quarantine/rows/${SOURCE}.parquet`].sort(),
        'stale files of this source dropped, other sources untouched',
      );
      assert.ok(
        [...claims.map((c) => c.file), ...quarantine].every((f) => !existsSync(f.local)),
        'moved, not copied',
      );
      assert.deepEqual(rows.calls, ['countDuplicates', 'stageQuarantine', 'stageClaims']);
      assert.deepEqual(stages, ['dedupe', 'route', 'publish']);
    });

    it('publishes several quarantine parts as -0, -1 and reports their pattern; the single-file name goes', async () => {
      await store.writeText(`quarantine/rows/${SOURCE}.parquet`, 'old');
      const rows = new FakeCheckedRows({
        summary: { total: 10, quarantined: 4 },
        quarantine: [await local('part-0'), await local('part-1')],
        claims: [{ year: '2024', month: '12', file: await local('dec') }],
      });
      const published = await publishChecked(rows, measuredOf(10, 4), ctx());
      assert.equal(published.outputs.quarantine_rows, `quarantine/rows/${SOURCE}-*.parquet`);
      assert.deepEqual(await store.list('quarantine/rows/'), [
        `quarantine/rows/${SOURCE}-0.parquet`,
        `quarantine/rows/${SOURCE}-1.parquet`,
      ]);
      assert.equal(text(`quarantine/rows/${SOURCE}-1.parquet`), 'part-1');
      assert.deepEqual(published.touched, ['2024-12']);
    });

    it('copies files an engine staged in the store (Spark’s parts) and leaves them for the job’s cleanup', async () => {
      await store.writeText('temp/job-1/claims/year=2025/month=10/part-00000.parquet', 'spark-oct');
      await store.writeText('temp/job-1/quarantine/part-00000.parquet', 'spark-q');
      const rows = new FakeCheckedRows({
        summary: { total: 5, quarantined: 1 },
        quarantine: [{ key: 'temp/job-1/quarantine/part-00000.parquet' }],
        claims: [
          { year: '2025', month: '10', file: { key: 'temp/job-1/claims/year=2025/month=10/part-00000.parquet' } },
        ],
      });
      const published = await publishChecked(rows, measuredOf(5, 1), ctx());
      assert.equal(text(`processed/claims/year=2025/month=10/${SOURCE}-0.parquet`), 'spark-oct');
      assert.equal(text(`quarantine/rows/${SOURCE}.parquet`), 'spark-q');
      assert.equal(text('temp/job-1/claims/year=2025/month=10/part-00000.parquet'), 'spark-oct');
      assert.deepEqual(published.outputs.processed, [`processed/claims/year=2025/month=10/${SOURCE}-0.parquet`]);
    });

    it('copies Spark’s parts side by side, never more than COPY_CONCURRENCY at once, each to its numbered key', async () => {
      const parts = Array.from(
        { length: 40 },
        (_, n) => `temp/job-1/claims/year=2025/month=${n < 20 ? '10' : '11'}/part-${n}.parquet`,
      );
      for (const key of parts) await store.writeText(key, key);
      let running = 0;
      let most = 0;
      const copy = store.copy.bind(store);
      store.copy = async (from, to) => {
        most = Math.max(most, ++running);
        // Each copy waits a turn of the event loop, as a request to S3 would.
        await new Promise((resolve) => setImmediate(resolve));
        await copy(from, to);
        running--;
      };
      const rows = new FakeCheckedRows({
        summary: { total: 40, quarantined: 0 },
        claims: parts.map((key, n) => ({ year: '2025', month: n < 20 ? '10' : '11', file: { key } })),
      });
      const published = await publishChecked(rows, measuredOf(40, 0), ctx());
      assert.ok(most > 1, `copies ran one at a time (${most})`);
      assert.ok(most <= COPY_CONCURRENCY, `${most} copies at once`);
      assert.equal(published.outputs.processed.length, 40);
      for (let n = 0; n < 20; n++) {
        assert.equal(text(`processed/claims/year=2025/month=10/${SOURCE}-${n}.parquet`), parts[n]);
        assert.equal(text(`processed/claims/year=2025/month=11/${SOURCE}-${n}.parquet`), parts[n + 20]);
      }
      assert.deepEqual(published.touched, ['2025-10', '2025-11']);
    });

    it('stages no quarantine when no row is quarantined, and drops the quarantine file an earlier delivery left', async () => {
      await store.writeText(`quarantine/rows/${SOURCE}.parquet`, 'old');
      // Three exact copies of one line and a fourth line: two lines are published.
      const rows = new FakeCheckedRows({
        summary: { total: 4, quarantined: 0 },
        duplicates: { repeated_rows: 3, distinct_lines: 1, kept: 1, flagged: 0 },
        claims: [{ year: '2025', month: '10', file: await local('two lines') }],
      });
      const published = await publishChecked(rows, measuredOf(4, 0), ctx());
      assert.deepEqual(published.deduplicated, { processed: 2, exact: 2, conflicting: 0, flagged: 0 });
      assert.deepEqual(rows.calls, ['countDuplicates', 'stageClaims']);
      assert.equal(published.outputs.quarantine_rows, null);
      assert.deepEqual(store.keys(), [`processed/claims/year=2025/month=10/${SOURCE}-0.parquet`]);
    });

    it('stages no claims when none is left, and drops the claims an earlier delivery left, touching their months', async () => {
      await store.writeText(`processed/claims/year=2025/month=07/${SOURCE}-0.parquet`, 'old');
      await store.writeText(`processed/claims/year=2025/month=08/${SOURCE}-0.parquet`, 'old');
      const rows = new FakeCheckedRows({ summary: { total: 2, quarantined: 2 }, quarantine: [await local('all bad')] });
      const published = await publishChecked(rows, measuredOf(2, 2), ctx());
      assert.equal(published.deduplicated.processed, 0);
      assert.deepEqual(rows.calls, ['countDuplicates', 'stageQuarantine']);
      assert.deepEqual(published.outputs, { processed: [], quarantine_rows: `quarantine/rows/${SOURCE}.parquet` });
      assert.deepEqual(published.touched, ['2025-07', '2025-08']);
      assert.deepEqual(store.keys(), [`quarantine/rows/${SOURCE}.parquet`]);
    });

    it('places the claims inside `exclusive`, after the quarantine rows', async () => {
      const rows = new FakeCheckedRows({
        summary: { total: 3, quarantined: 1 },
        quarantine: [await local('q')],
        claims: [{ year: '2025', month: '10', file: await local('c') }],
      });
      const seen: string[][] = [];
      await publishChecked(
        rows,
        measuredOf(3, 1),
        ctx({
          exclusive: async (work) => {
            seen.push(store.keys());
            const result = await work();
            seen.push(store.keys());
            return result;
          },
        }),
      );
      assert.deepEqual(seen, [
        [`quarantine/rows/${SOURCE}.parquet`],
        [`processed/claims/year=2025/month=10/${SOURCE}-0.parquet`, `quarantine/rows/${SOURCE}.parquet`],
      ]);
    });

    it('in validate mode counts the duplicates but publishes, stages and drops nothing', async () => {
      await store.writeText(`processed/claims/year=2025/month=09/${SOURCE}-0.parquet`, 'old');
      const rows = new FakeCheckedRows({
        summary: { total: 200, quarantined: 9 },
        duplicates: { repeated_rows: 6, distinct_lines: 3, kept: 2, flagged: 2 },
        quarantine: [await local('q')],
        claims: [{ year: '2025', month: '10', file: await local('c') }],
      });
      const published = await publishChecked(rows, measuredOf(200, 9), ctx({ mode: 'validate' }));
      assert.deepEqual(published, {
        deduplicated: { processed: 187, exact: 3, conflicting: 1, flagged: 2 },
        outputs: { processed: [], quarantine_rows: null },
        touched: [],
      });
      assert.deepEqual(rows.calls, ['countDuplicates']);
      assert.deepEqual(store.keys(), [`processed/claims/year=2025/month=09/${SOURCE}-0.parquet`]);
    });
  });
});
