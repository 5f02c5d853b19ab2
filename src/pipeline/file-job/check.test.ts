import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../../test/support/cli.ts';
import { MemoryObjectStore } from '../../../test/support/memory-object-store.ts';
import { DuckDbEngine } from '../../adapters/duckdb/duckdb-engine.ts';
import { codeSetTable } from '../../adapters/duckdb/load-code-sets.ts';
import { createLocalInputFiles } from '../../adapters/local-store/local-input-files.ts';
import { countMissingOptionalColumns } from '../../domain/canonical-model.ts';
import { detectFormat, HEAD_BYTES } from '../../domain/detect-format.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import type { SourceLayout } from '../../domain/profiles/source-profile.ts';
import { STANDARD_PROFILE } from '../../domain/profiles/standard-profile.ts';
import { ClaimGenerator, type ClaimRow, GENERATED_COLUMNS } from '../../domain/synthetic-claims.ts';
import { createFileSettings } from '../file-settings.ts';
import { runConfigSchema } from '../run-config.ts';
import { type Checked, check, countIngested } from './check.ts';
import { JobContext } from './job-context.ts';
import type { JobWorkspace } from './job-workspace.ts';

const settingsFor = createFileSettings(runConfigSchema.parse({}), { runDate: '2026-01-01' }, new Set(), codeSetTable);
const CLAIM_LINES = STANDARD_PROFILE.layouts[0] as SourceLayout;

const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
const csvLine = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\n`;

function cleanRows(count: number, seed: number): ClaimRow[] {
  const generator = new ClaimGenerator({ seed, defectRate: 0, month: '2025-10' });
  return Array.from({ length: count }, () => generator.next().row);
}

describe('check: the ingested rows mapped, normalized and checked into one relation of every record', () => {
  let engine: DuckDbEngine | undefined;
  let store: MemoryObjectStore;
  let dir: string | undefined;
  let jobs = 0;

  /** A job over `content` written as `name`, its workspace and its ingested rows; the workspace is disposed after `use`. */
  async function withIngested<T>(
    name: string,
    content: string,
    use: (job: JobContext, ws: JobWorkspace, ingested: Awaited<ReturnType<JobWorkspace['ingest']>>) => Promise<T>,
  ): Promise<T> {
    const path = join(dir as string, name);
    await writeFile(path, content);
    const jobId = `job-check-${++jobs}`;
    const deps = {
      engine: engine as DuckDbEngine,
      store,
      clock: { now: () => new Date('2026-01-02T03:04:05Z') },
      logger: { info: () => {}, warn: () => {} },
      files: createLocalInputFiles(HEAD_BYTES),
    };
    const job = new JobContext(path, deps, { ...settingsFor(path), jobId, mode: 'run' });
    const ws = (engine as DuckDbEngine).openWorkspace(jobId, await store.scratchDir(jobId));
    try {
      const detection = detectFormat(name, Buffer.from(content));
      assert.ok(detection.ok);
      const ingested = await ws.ingest({
        path,
        format: detection.format,
        gzip: false,
        maxRecordBytes: job.options.limits.max_record_bytes,
      });
      return await use(job, ws, ingested);
    } finally {
      await ws.dispose();
      await store.dropScratch(jobId);
    }
  }

  const rowsOf = (ws: JobWorkspace, checked: Checked, columns: string) =>
    ws.query(`SELECT ${columns} FROM ${checked.rows} ORDER BY source_row_number`);

  before(async () => {
    store = new MemoryObjectStore();
    engine = await DuckDbEngine.open({ path: ':memory:' });
    dir = await tempDir('check');
  });
  after(async () => {
    engine?.close();
    await store?.dropAllScratch();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps a ragged row (too many fields) among the others, at its true position, as malformed_row', async () => {
    const good = cleanRows(8, 11);
    const header = [...GENERATED_COLUMNS, 'note'];
    const line = (row: ClaimRow, note: string) => csvLine([...GENERATED_COLUMNS.map((c) => row[c]), note]);
    const ragged = `${line(good[2] as ClaimRow, 'ragged').trimEnd()},ONE TOO MANY\n`;
    // Data rows: good 0, good 1, the ragged row (row 3), good 2 ... good 7.
    const content = [
      csvLine(header),
      line(good[0] as ClaimRow, 'n1'),
      line(good[1] as ClaimRow, 'n2'),
      ragged,
      ...good.slice(2).map((r, i) => line(r, `n${i + 4}`)),
    ].join('');
    await withIngested('ragged.csv', content, async (job, ws, ingested) => {
      const records = await countIngested(ws, ingested);
      assert.equal(records, 8, 'the reader sets the ragged record aside');
      const settings = job.options;
      const checked = await check(job, ws, {
        profileName: 'standard',
        layout: CLAIM_LINES,
        ingested,
        companions: [],
        rules: settings.plan.rules,
        records,
      });
      assert.equal(checked.sourceRecords, 9);
      assert.deepEqual(checked.unknownColumns, ['note']);
      assert.equal(checked.missingOptional, countMissingOptionalColumns(new Set(GENERATED_COLUMNS)));
      assert.ok(checked.missingOptional > 0);
      assert.ok('check' in job.timings);

      const rows = await rowsOf(ws, checked, 'source_row_number, _v_claim_id, job_id, extra_columns');
      assert.deepEqual(
        rows.map((r) => Number(r.source_row_number)),
        [1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
      const expectedIds = [good[0], good[1], undefined, ...good.slice(2)].map((r) => r?.claim_id ?? null);
      assert.deepEqual(
        rows.map((r) => r._v_claim_id),
        expectedIds,
        'the rows after the ragged one keep their own row numbers',
      );
      assert.ok(rows.every((r) => r.job_id === job.jobId));
      assert.deepEqual(JSON.parse(String(rows[2]?.extra_columns)), { source_line: ragged.trimEnd() });
      assert.deepEqual(JSON.parse(String(rows[3]?.extra_columns)), { note: 'n4' });

      const failures = await ws.query(checked.plan.failures(checked.rows));
      assert.deepEqual(
        failures.map((f) => ({ row: Number(f.source_row_number), errors: f.dq_errors })),
        [{ row: 3, errors: ['malformed_row'] }],
      );
    });
  });

  it('checks a clean file into exactly its rows, with no unread records to merge', async () => {
    const good = cleanRows(5, 12);
    const content = [csvLine(GENERATED_COLUMNS), ...good.map((r) => csvLine(GENERATED_COLUMNS.map((c) => r[c])))].join(
      '',
    );
    await withIngested('clean.csv', content, async (job, ws, ingested) => {
      const records = await countIngested(ws, ingested);
      const checked = await check(job, ws, {
        profileName: 'standard',
        layout: CLAIM_LINES,
        ingested,
        companions: [],
        rules: job.options.plan.rules,
        records,
      });
      assert.equal(records, 5);
      assert.equal(checked.sourceRecords, 5);
      assert.deepEqual(checked.unknownColumns, []);
      const [summary] = await ws.query(checked.plan.checkSummary(checked.rows));
      assert.deepEqual(
        { total: Number(summary?.total), quarantined: Number(summary?.quarantined) },
        {
          total: 5,
          quarantined: 0,
        },
      );
    });
  });

  it('runs a reshaping layout (a row filter) once: filtered rows leave the checked relation', async () => {
    const good = cleanRows(4, 13);
    const header = [...GENERATED_COLUMNS, 'status'];
    const statuses = ['paid', 'denied', 'paid', 'paid'];
    const content = [
      csvLine(header),
      ...good.map((r, i) => csvLine([...GENERATED_COLUMNS.map((c) => r[c]), statuses[i] as string])),
    ].join('');
    const filtered: SourceLayout = { ...CLAIM_LINES, id: 'paid_lines', where: { column: 'status', in: ['paid'] } };
    await withIngested('filtered.csv', content, async (job, ws, ingested) => {
      const records = await countIngested(ws, ingested);
      const checked = await check(job, ws, {
        profileName: 'custom',
        layout: filtered,
        ingested,
        companions: [],
        rules: job.options.plan.rules,
        records,
      });
      assert.equal(checked.sourceRecords, 4, 'records in the file, read or not');
      assert.ok('map' in job.timings, 'the reshaped rows are materialized once');
      const rows = await rowsOf(ws, checked, 'source_row_number, _v_claim_id');
      assert.deepEqual(
        rows.map((r) => [Number(r.source_row_number), r._v_claim_id]),
        [0, 2, 3].map((i) => [i + 1, good[i]?.claim_id]),
      );
    });
  });

  it('rejects a file lacking a required column as missing_required_column, naming it', async () => {
    const columns = GENERATED_COLUMNS.filter((c) => c !== 'claim_type' && c !== 'claim_end_date');
    const good = cleanRows(2, 14);
    const content = [csvLine(columns), ...good.map((r) => csvLine(columns.map((c) => r[c])))].join('');
    await withIngested('no-type.csv', content, async (job, ws, ingested) => {
      await assert.rejects(
        check(job, ws, {
          profileName: 'standard',
          layout: CLAIM_LINES,
          ingested,
          companions: [],
          rules: job.options.plan.rules,
          records: 2,
        }),
        (error: unknown) => {
          assert.ok(error instanceof ClaimFileError);
          assert.equal(error.ruleId, 'missing_required_column');
          assert.equal(error.reason, 'the header lacks claim_type, claim_end_date');
          return true;
        },
      );
    });
  });

  it("rejects a file lacking a column the layout's structure needs (its filter column) as missing_required_column", async () => {
    const good = cleanRows(2, 15);
    const content = [csvLine(GENERATED_COLUMNS), ...good.map((r) => csvLine(GENERATED_COLUMNS.map((c) => r[c])))].join(
      '',
    );
    const filtered: SourceLayout = { ...CLAIM_LINES, id: 'paid_lines', where: { column: 'status', in: ['paid'] } };
    await withIngested('no-status.csv', content, async (job, ws, ingested) => {
      await assert.rejects(
        check(job, ws, {
          profileName: 'custom',
          layout: filtered,
          ingested,
          companions: [],
          rules: job.options.plan.rules,
          records: 2,
        }),
        (error: unknown) => {
          assert.ok(error instanceof ClaimFileError);
          assert.equal(error.ruleId, 'missing_required_column');
          assert.equal(error.reason, 'the custom/paid_lines layout needs status, which the file lacks');
          return true;
        },
      );
    });
  });
});
