import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileJobHarness } from '../../../test/support/file-job-harness.ts';
import { SHARED_DIR } from '../../../test/support/shared.ts';
import { loadCodeSets } from '../../adapters/duckdb/load-code-sets.ts';
import { countMissingOptionalColumns } from '../../domain/canonical-model.ts';
import { detectFormat } from '../../domain/detect-format.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import type { SourceLayout } from '../../domain/profiles/source-profile.ts';
import { STANDARD_PROFILE } from '../../domain/profiles/standard-profile.ts';
import { ROW_RULES } from '../../domain/rule-catalog.ts';
import {
  ClaimGenerator,
  type ClaimRow,
  GENERATED_COLUMNS,
  type GeneratedColumn,
} from '../../domain/synthetic-claims.ts';
import { type Checked, check, countIngested } from './check.ts';
import type { JobContext } from './job-context.ts';
import type { Ingested, JobWorkspace } from './job-workspace.ts';

const CLAIM_LINES = STANDARD_PROFILE.layouts[0] as SourceLayout;
/** The profile and layout a file is checked as. */
type CheckedAs = { readonly profileName: string; readonly layout: SourceLayout };
const STANDARD_LINES: CheckedAs = { profileName: 'standard', layout: CLAIM_LINES };
/** A custom layout of the claim lines that keeps the paid ones (by a `status` column). */
const PAID_LINES: CheckedAs = {
  profileName: 'custom',
  layout: { ...CLAIM_LINES, id: 'paid_lines', where: { column: 'status', in: ['paid'] } },
};

const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
const csvLine = (fields: readonly string[]): string => `${fields.map(csvField).join(',')}\n`;
/** A CSV of `columns`: the header, then each row's values in that order. */
const csvOf = (columns: readonly GeneratedColumn[], rows: readonly ClaimRow[]): string =>
  [csvLine(columns), ...rows.map((r) => csvLine(columns.map((c) => r[c])))].join('');

function cleanRows(count: number, seed: number): ClaimRow[] {
  const generator = new ClaimGenerator({ seed, defectRate: 0, month: '2025-10' });
  return Array.from({ length: count }, () => generator.next().row);
}

describe('check: the ingested rows mapped, normalized and checked into one relation of every record', () => {
  const harness = fileJobHarness('check');
  let jobs = 0;

  /** A job over `content` written as `name`, its workspace and its ingested rows; the workspace is disposed after `use`. */
  async function withIngested<T>(
    name: string,
    content: string,
    use: (job: JobContext, ws: JobWorkspace, ingested: Ingested) => Promise<T>,
  ): Promise<T> {
    const path = await harness.write(name, content);
    const jobId = `job-check-${++jobs}`;
    const job = harness.jobContext(path, { jobId });
    return harness.withWorkspace(jobId, async (ws) => {
      const detection = detectFormat(name, Buffer.from(content));
      assert.ok(detection.ok);
      const ingested = await ws.ingest({
        path,
        format: detection.format,
        gzip: false,
        maxRecordBytes: job.options.limits.max_record_bytes,
      });
      return await use(job, ws, ingested);
    });
  }

  /** `check` of the ingested rows as `as` (the standard claim lines by default), with the job's rules and no companions. */
  const checkAs = (
    job: JobContext,
    ws: JobWorkspace,
    ingested: Ingested,
    records: number,
    as: CheckedAs = STANDARD_LINES,
  ): Promise<Checked> =>
    check(job, ws, {
      ...as,
      ingested,
      companions: [],
      rules: job.options.plan.rules,
      records,
      readerLines: { skipped: [], spanning: [] },
    });

  /** `content` (two records), checked as `as`, is rejected as missing_required_column for `reason`. */
  const rejectsMissingColumn = (name: string, content: string, reason: string, as?: CheckedAs): Promise<void> =>
    withIngested(name, content, async (job, ws, ingested) => {
      await assert.rejects(checkAs(job, ws, ingested, 2, as), (error: unknown) => {
        assert.ok(error instanceof ClaimFileError);
        assert.equal(error.ruleId, 'missing_required_column');
        assert.equal(error.reason, reason);
        return true;
      });
    });

  const rowsOf = (ws: JobWorkspace, checked: Checked, columns: string) =>
    ws.query(`SELECT ${columns} FROM ${checked.rows} ORDER BY source_row_number`);

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
      const checked = await checkAs(job, ws, ingested, records);
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

  it('looks up the codes of the records read and of those the reader set aside, each against the reference lists', async () => {
    await loadCodeSets(harness.engine, join(SHARED_DIR, 'refdata'));
    const [first, second, third] = cleanRows(3, 14) as [ClaimRow, ClaimRow, ClaimRow];
    const header = [...GENERATED_COLUMNS, 'note'];
    const line = (row: ClaimRow, note: string) => csvLine([...GENERATED_COLUMNS.map((c) => row[c]), note]);
    const content = [
      csvLine(header),
      line({ ...first, diagnosis_code_1: 'E11' }, 'unknown diagnosis'),
      `${line(second, 'ragged').trimEnd()},ONE TOO MANY\n`,
      line(third, 'clean'),
    ].join('');
    await withIngested('codes.csv', content, async (job, ws, ingested) => {
      const checked = await check(job, ws, {
        ...STANDARD_LINES,
        ingested,
        companions: [],
        rules: ROW_RULES,
        records: await countIngested(ws, ingested),
        readerLines: { skipped: [], spanning: [] },
      });
      const failures = await ws.query(checked.plan.failures(checked.rows));
      assert.deepEqual(
        failures.map((f) => ({ row: Number(f.source_row_number), errors: f.dq_errors, warnings: f.dq_warnings })),
        [
          { row: 1, errors: [], warnings: ['unknown_icd10cm_code'] },
          { row: 2, errors: ['malformed_row'], warnings: [] },
        ],
      );
    });
  });

  it('checks a clean file into exactly its rows, with no unread records to merge', async () => {
    const good = cleanRows(5, 12);
    await withIngested('clean.csv', csvOf(GENERATED_COLUMNS, good), async (job, ws, ingested) => {
      const records = await countIngested(ws, ingested);
      const checked = await checkAs(job, ws, ingested, records);
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
    await withIngested('filtered.csv', content, async (job, ws, ingested) => {
      const records = await countIngested(ws, ingested);
      const checked = await checkAs(job, ws, ingested, records, PAID_LINES);
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
    await rejectsMissingColumn('no-type.csv', csvOf(columns, good), 'the header lacks claim_type, claim_end_date');
  });

  it("rejects a file lacking a column the layout's structure needs (its filter column) as missing_required_column", async () => {
    const good = cleanRows(2, 15);
    await rejectsMissingColumn(
      'no-status.csv',
      csvOf(GENERATED_COLUMNS, good),
      'the custom/paid_lines layout needs status, which the file lacks',
      PAID_LINES,
    );
  });
});
