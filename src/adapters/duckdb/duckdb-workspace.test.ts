import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileJobHarness } from '../../../test/support/file-job-harness.ts';
import type { JobWorkspace, StagedClaimFile, StagedFile } from '../../pipeline/file-job/job-workspace.ts';
import { duckdbDialect } from '../../plan/duckdb-dialect.ts';
import { rowGroupRows } from './duckdb-workspace.ts';

const lit = duckdbDialect.stringLiteral;

/** Rows with a service month: `id` and `amount`, and the `year`, `month` the writer partitions by. */
type MonthRow = { id: string; amount: number; year: string; month: string };

const valuesOf = (rows: readonly MonthRow[]): string =>
  `SELECT * FROM (VALUES ${rows.map((r) => `(${lit(r.id)}, ${r.amount}, ${lit(r.year)}, ${lit(r.month)})`).join(', ')}) AS t(id, amount, year, month)`;

function rowsOver(months: readonly string[], perMonth: number): MonthRow[] {
  return months.flatMap((ym, m) => {
    const [year = '', month = ''] = ym.split('-');
    return Array.from({ length: perMonth }, (_, i) => ({ id: `${ym}#${i}`, amount: m * 100 + i, year, month }));
  });
}

describe('DuckDbWorkspace: the engine side of the file job', () => {
  const harness = fileJobHarness('duckdb-workspace');
  let jobs = 0;

  /** A workspace of a new job; it is disposed and its scratch dropped after `use`. */
  function withWorkspace<T>(use: (ws: JobWorkspace, jobId: string, scratch: string) => Promise<T>): Promise<T> {
    const jobId = `job-ws-${++jobs}`;
    return harness.withWorkspace(jobId, (ws, scratch) => use(ws, jobId, scratch));
  }

  const tablesOf = async (jobId: string): Promise<string[]> =>
    (
      await harness.engine.query(
        `SELECT table_name FROM duckdb_tables() WHERE temporary AND contains(table_name, ${lit(jobId.replaceAll('-', '_'))}) ORDER BY 1`,
      )
    ).map((r) => String(r.table_name));

  const readParquet = (file: StagedFile, columns = '*') => {
    assert.ok('local' in file, 'a local file');
    // The file's own columns: the `year=/month=` folders are not read as columns.
    return harness.engine.query(
      `SELECT ${columns} FROM read_parquet(${lit(file.local)}, hive_partitioning = false) ORDER BY id`,
    );
  };

  /** Each staged month's rows read back, and the columns its file holds. */
  async function readMonths(staged: readonly StagedClaimFile[]) {
    const months: Array<{ month: string; columns: string[]; rows: Array<{ id: string; amount: number }> }> = [];
    for (const { year, month, file } of staged) {
      const rows = await readParquet(file);
      months.push({
        month: `${year}-${month}`,
        columns: Object.keys(rows[0] ?? {}),
        rows: rows.map((r) => ({ id: String(r.id), amount: Number(r.amount) })),
      });
    }
    return months;
  }

  /** The input rows grouped as the staged months should hold them. */
  function expectedMonths(rows: readonly MonthRow[]) {
    const byMonth = new Map<string, Array<{ id: string; amount: number }>>();
    for (const r of rows) {
      const key = `${r.year}-${r.month}`;
      byMonth.set(key, [...(byMonth.get(key) ?? []), { id: r.id, amount: r.amount }]);
    }
    return [...byMonth.keys()].sort().map((month) => ({
      month,
      columns: ['id', 'amount'],
      rows: (byMonth.get(month) ?? []).sort((a, b) => a.id.localeCompare(b.id)),
    }));
  }

  describe('stagePartitioned', () => {
    it('writes more than 3 months in one partitioned pass: every month, in year/month order, rows as given', async () => {
      const months = ['2025-11', '2024-12', '2025-02', '2025-01', '2025-10'];
      const rows = rowsOver(months, 3);
      await withWorkspace(async (ws) => {
        // Rows in no month order: the writer, not the input, orders the months.
        const staged = await ws.stagePartitioned('claims', `${valuesOf(rows)} ORDER BY amount DESC`);
        assert.deepEqual(
          staged.map((s) => `${s.year}-${s.month}`),
          ['2024-12', '2025-01', '2025-02', '2025-10', '2025-11'],
        );
        assert.deepEqual(await readMonths(staged), expectedMonths(rows));
      });
    });

    it('writes up to 3 months one by one: every month, in order, rows as given, the same columns', async () => {
      const rows = rowsOver(['2025-10', '2025-03', '2026-01'], 4);
      await withWorkspace(async (ws) => {
        const staged = await ws.stagePartitioned('claims', valuesOf(rows));
        assert.deepEqual(
          staged.map((s) => `${s.year}-${s.month}`),
          ['2025-03', '2025-10', '2026-01'],
        );
        assert.deepEqual(await readMonths(staged), expectedMonths(rows));
      });
    });

    it('writes one month for a single-month file, and nothing for no rows', async () => {
      const rows = rowsOver(['2025-10'], 5);
      await withWorkspace(async (ws) => {
        const staged = await ws.stagePartitioned('claims', valuesOf(rows));
        assert.deepEqual(await readMonths(staged), expectedMonths(rows));
        assert.deepEqual(await ws.stagePartitioned('none', `${valuesOf(rows)} LIMIT 0`), []);
      });
    });
  });

  describe('ingest', () => {
    it('reads NDJSON line by line: row numbers are line numbers, blank lines dropped, other lines malformed', async () => {
      const lines = [
        '{"claim_id":"A","paid_amount":1.5}',
        '',
        'this is not JSON',
        '{"claim_id":"B"}',
        '[1, 2]',
        '   ',
        '{"claim_id":"C","note":"x"}',
      ];
      const path = await harness.write('lines.ndjson', `${lines.join('\n')}\n`);
      await withWorkspace(async (ws) => {
        const ingested = await ws.ingest({ path, format: { kind: 'ndjson' }, gzip: false, maxRecordBytes: 1 << 20 });
        assert.deepEqual(ingested.source.names, ['claim_id', 'note', 'paid_amount']);
        const rows = await ws.query(
          `SELECT _row_number, ${ingested.source.expr('claim_id')} AS claim_id, _raw_line, _ingest_error FROM ${ingested.rows} ORDER BY _row_number`,
        );
        assert.deepEqual(
          rows.map((r) => [Number(r._row_number), r.claim_id, r._raw_line, r._ingest_error]),
          [
            [1, 'A', null, null],
            [3, null, 'this is not JSON', 'NOT A JSON OBJECT'],
            [4, 'B', null, null],
            [5, null, '[1, 2]', 'NOT A JSON OBJECT'],
            [7, 'C', null, null],
          ],
        );
        assert.ok(ingested.unread, 'NDJSON keeps a rejects table');
        assert.equal(
          await ws.loadUnread(ingested.unread, { skipped: [], spanning: [] }),
          null,
          'no line was too long to read',
        );
      });
    });

    it('sets a line longer than the record limit aside and numbers it among the others on merge', async () => {
      const long = `{"claim_id":"LONG","pad":"${'x'.repeat(5000)}"}`;
      const lines = ['{"claim_id":"A"}', '', long, '{"claim_id":"B"}'];
      const path = await harness.write('long.ndjson', `${lines.join('\n')}\n`);
      await withWorkspace(async (ws) => {
        const ingested = await ws.ingest({ path, format: { kind: 'ndjson' }, gzip: false, maxRecordBytes: 2048 });
        assert.ok(ingested.unread);
        const unread = await ws.loadUnread(ingested.unread, { skipped: [], spanning: [] });
        assert.equal(unread?.count, 1);
        const [set] = await ws.query(`SELECT _row_number, _ingest_error FROM ${unread?.rows}`);
        assert.equal(Number(set?._row_number), 3, 'its line number');
        assert.match(String(set?._ingest_error), /LINE SIZE OVER MAXIMUM/);

        const checked = await ws.materialize(
          'checked',
          `SELECT _row_number AS source_row_number, ${ingested.source.expr('claim_id')} AS claim_id FROM ${ingested.rows}`,
        );
        const merged = await ws.mergeUnread(
          'checked',
          unread as NonNullable<typeof unread>,
          `SELECT _row_number AS source_row_number, CAST(NULL AS VARCHAR) AS claim_id FROM ${unread?.rows}`,
        );
        assert.equal(merged, checked);
        const rows = await ws.query(`SELECT source_row_number, claim_id FROM ${merged} ORDER BY source_row_number`);
        assert.deepEqual(
          rows.map((r) => [Number(r.source_row_number), r.claim_id]),
          [
            [1, 'A'],
            [3, null],
            [4, 'B'],
          ],
        );
      });
    });
  });

  describe('row groups by width', () => {
    it('keeps 122,880 rows up to the canonical width and cuts them to whole vectors beyond, down to 2,048', () => {
      assert.deepEqual(
        [40, 160, 161, 600, 1024, 10_000].map(rowGroupRows),
        [122_880, 122_880, 14_336, 4096, 2048, 2048],
      );
    });

    it('writes a wide CSV (1,300 columns) in row groups of about 2,048 rows, its raw rows and what the job stages after', async () => {
      const header = Array.from({ length: 1300 }, (_, i) => `c${i}`).join(',');
      const row = Array.from({ length: 1300 }, (_, i) => String(i % 10)).join(',');
      const path = await harness.write('wide.csv', `${header}\n${`${row}\n`.repeat(4200)}`);
      await withWorkspace(async (ws, _jobId, scratch) => {
        const format = { kind: 'csv', delimiter: ',', header: header.split(',') } as const;
        const ingested = await ws.ingest({ path, format, gzip: false, maxRecordBytes: 1 << 20 });
        const staged = await ws.stage('wide', `SELECT * FROM ${ingested.rows}`);
        assert.ok('local' in staged);
        for (const file of [`${scratch}/raw.parquet`, staged.local]) {
          const groups = await ws.query(
            `SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata(${lit(file)}) ORDER BY 1`,
          );
          // ROW_GROUP_SIZE is where a group is cut, at the next batch: 4,200 rows in one group before.
          const rows = groups.map((g) => Number(g.row_group_num_rows));
          assert.ok(rows.length > 1 && Math.max(...rows) < 2 * 2048, `${file}: ${rows.join(', ')}`);
        }
      });
    });
  });

  describe('tables and files', () => {
    it('stage writes one Parquet file in scratch; csvFiles reads CSVs as one relation of the columns each selects by position', async () => {
      const a = await harness.write('a.csv', 'id,amount,_raw_line\nx,1,r\n');
      // Names DuckDB would not tell apart, and one it adds itself: read by position, they are data.
      const b = await harness.write('b.csv', 'amount,id,ID,_raw_line\n2,y,Y,s\n');
      await withWorkspace(async (ws, _jobId, scratch) => {
        const read = (path: string, columns: string[], select: Array<number | null>) => ({
          path,
          gzip: false,
          delimiter: ',',
          columns,
          select,
          maxRecordBytes: 1 << 20,
        });
        const relation = ws.csvFiles([
          read(a, ['id', 'amount', '_raw_line'], [0, 1, null, 2]),
          read(b, ['amount', 'id', 'ID', '_raw_line'], [1, 0, 2, 3]),
        ]);
        const columns = 'col_1 AS id, col_2 AS amount, col_3 AS upper_id, col_4 AS raw';
        const staged = await ws.stage('both', `SELECT ${columns} FROM ${relation}`);
        assert.deepEqual(staged, { local: `${scratch}/both.parquet` });
        assert.deepEqual(await readParquet(staged, 'id, amount, upper_id, raw'), [
          { id: 'x', amount: '1', upper_id: null, raw: 'r' },
          { id: 'y', amount: '2', upper_id: 'Y', raw: 's' },
        ]);
      });
    });

    it('dispose drops the tables it made, and only its own job’s', async () => {
      const ragged = await harness.write('ragged.csv', 'id,amount\nx,1\ny,2,3\n');
      await withWorkspace(async (other, otherJob) => {
        await other.createTable('kept', 'SELECT 1 AS x');
        let made: string[] = [];
        await withWorkspace(async (ws, jobId) => {
          const table = await ws.createTable('grouped', 'SELECT 1 AS x');
          await ws.insertInto(table, 'SELECT 2');
          assert.deepEqual(await ws.query(`SELECT x FROM ${table} ORDER BY x`), [{ x: 1 }, { x: 2 }]);
          const ingested = await ws.ingest({
            path: ragged,
            format: { kind: 'csv', delimiter: ',', header: ['id', 'amount'] },
            gzip: false,
            maxRecordBytes: 1 << 20,
          });
          assert.ok(ingested.unread);
          assert.equal((await ws.loadUnread(ingested.unread, { skipped: [], spanning: [] }))?.count, 1);
          made = await tablesOf(jobId);
          const own = jobId.replaceAll('-', '_');
          for (const name of ['grouped', 'csv_rejects_raw', 'rejects'])
            assert.ok(made.includes(`${name}_${own}`), name);
          await ws.dispose();
          assert.deepEqual(await tablesOf(jobId), []);
        });
        assert.ok(made.length >= 3);
        assert.deepEqual(await tablesOf(otherJob), [`kept_${otherJob.replaceAll('-', '_')}`]);
      });
    });

    it('dispose drops DuckDB’s CSV rejects scan log too', async () => {
      const path = await harness.write('plain.csv', 'id\nx\n');
      let jobId = '';
      await withWorkspace(async (ws, id) => {
        jobId = id;
        await ws.ingest({
          path,
          format: { kind: 'csv', delimiter: ',', header: ['id'] },
          gzip: false,
          maxRecordBytes: 1 << 20,
        });
      });
      assert.deepEqual(await tablesOf(jobId), []);
    });
  });
});
