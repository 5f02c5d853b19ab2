import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { CLEAN_CLAIM_LINE } from '../../../test/support/clean-claim-line.ts';
import { fileJobHarness } from '../../../test/support/file-job-harness.ts';
import { detectFormat } from '../../domain/detect-format.ts';
import type { SourceLayout } from '../../domain/profiles/source-profile.ts';
import { STANDARD_PROFILE } from '../../domain/profiles/standard-profile.ts';
import { duckdbDialect } from '../../plan/duckdb-dialect.ts';
import { type Checked, check, countIngested } from './check.ts';
import type { JobWorkspace, StagedFile } from './job-workspace.ts';
import { WorkspaceCheckedRows } from './workspace-checked-rows.ts';

const JOB = 'job-checked-rows';

type Row = Record<string, string>;

/** A professional line that passes every rule (shared with the plan's tests). */
const CLEAN: Row = CLEAN_CLAIM_LINE;
const april = { claim_start_date: '2025-04-02', claim_end_date: '2025-04-02', paid_date: '2025-05-01' };

/** The file's data rows, by row number (1-based): each planted defect and its duplicate. */
const ROWS: Row[] = [
  CLEAN, // 1
  CLEAN, // 2: an exact duplicate of row 1
  { ...CLEAN, claim_id: 'C2', person_id: 'P2' }, // 3
  { ...CLEAN, claim_id: 'C2', person_id: 'P2', paid_date: '2025-04-05' }, // 4: row 3's key, paid later: kept
  { ...CLEAN, claim_id: '' }, // 5: required_field_missing
  { ...CLEAN, claim_id: 'C4', person_id: 'P4', billing_npi: '1234567890' }, // 6: invalid_npi (check digit)
  { ...CLEAN, ...april, claim_id: 'C5', person_id: 'P5' }, // 7
  { ...CLEAN, ...april, claim_id: 'C6', person_id: 'P6', claim_start_date: '2025-04-20', claim_end_date: '2025-04-20' }, // 8
];

describe('WorkspaceCheckedRows: the checked rows measured, deduplicated and staged in DuckDB', () => {
  const harness = fileJobHarness('checked-rows');
  let ws: JobWorkspace | undefined;
  let checked: Checked;
  let rows: WorkspaceCheckedRows;

  const readBack = (file: StagedFile | undefined, columns: string) => {
    assert.ok(file && 'local' in file, 'a local file');
    return harness.engine.query(
      `SELECT ${columns} FROM read_parquet(${duckdbDialect.stringLiteral(file.local)}) ORDER BY source_row_number`,
    );
  };

  before(async () => {
    const columns = Object.keys(CLEAN);
    const content = [columns, ...ROWS.map((r) => columns.map((c) => r[c] ?? ''))].map((l) => `${l.join(',')}\n`);
    const path = await harness.write('claims.csv', content.join(''));
    const job = harness.jobContext(path, { jobId: JOB });
    ws = await harness.openWorkspace(JOB);
    const detection = detectFormat('claims.csv', Buffer.from(content.join('')));
    assert.ok(detection.ok);
    const ingested = await ws.ingest({ path, format: detection.format, gzip: false, maxRecordBytes: 1 << 20 });
    checked = await check(job, ws, {
      profileName: 'standard',
      layout: STANDARD_PROFILE.layouts[0] as SourceLayout,
      ingested,
      companions: [],
      rules: job.options.plan.rules,
      records: await countIngested(ws, ingested),
      readerLines: { skipped: [], spanning: [] },
    });
    rows = new WorkspaceCheckedRows(ws, checked);
  });

  it('summarizes: rows checked and rows quarantined', async () => {
    assert.deepEqual(await rows.summarize(), { total: 8, quarantined: 2 });
  });

  it('measures per-rule counts, the planted rows as samples, and failures per dimension', async () => {
    const measured = await rows.measure({ total: 8, quarantined: 2 });
    assert.equal(measured.total, 8);
    assert.equal(measured.quarantined, 2);
    assert.deepEqual(Object.fromEntries(measured.counts), { invalid_npi: 1, required_field_missing: 1 });
    assert.deepEqual(Object.fromEntries(measured.samples), {
      invalid_npi: [{ source_row_number: 6, claim_id: 'C4', claim_line_number: '1' }],
      required_field_missing: [{ source_row_number: 5, claim_id: null, claim_line_number: '1' }],
    });
    assert.deepEqual(measured.dimensionFailures, {
      completeness: 1,
      validity: 1,
      consistency: 0,
      uniqueness: 0,
      timeliness: 0,
    });
  });

  it('refuses to stage claims before their duplicates are counted', async () => {
    await assert.rejects(
      new WorkspaceCheckedRows(ws as JobWorkspace, checked).stageClaims(),
      /claims are staged after their duplicates are counted/,
    );
  });

  it('counts an exact duplicate line and a conflicting key duplicate', async () => {
    // Keys C1 (two identical rows: one distinct line) and C2 (two different lines, one kept and flagged).
    assert.deepEqual(await rows.countDuplicates(), { repeated_rows: 4, distinct_lines: 3, kept: 2, flagged: 1 });
  });

  it('stages the quarantined rows in one file, with their source text and reasons', async () => {
    const staged = await rows.stageQuarantine();
    assert.equal(staged.length, 1);
    const quarantined = await readBack(staged[0], 'source_row_number, claim_id, billing_npi, dq_errors, job_id');
    assert.deepEqual(
      quarantined.map((r) => ({ ...r, source_row_number: Number(r.source_row_number) })),
      [
        {
          source_row_number: 5,
          claim_id: null,
          billing_npi: '1234567893',
          dq_errors: ['required_field_missing'],
          job_id: JOB,
        },
        { source_row_number: 6, claim_id: 'C4', billing_npi: '1234567890', dq_errors: ['invalid_npi'], job_id: JOB },
      ],
    );
  });

  it('stages the deduplicated claims per service month; the files hold the kept lines, without year and month', async () => {
    const staged = await rows.stageClaims();
    assert.deepEqual(
      staged.map(({ year, month }) => `${year}-${month}`),
      ['2025-03', '2025-04'],
    );
    const march = await readBack(
      staged[0]?.file,
      'source_row_number, claim_id, CAST(paid_date AS VARCHAR) AS paid_date, dq_warnings',
    );
    assert.deepEqual(
      march.map((r) => [Number(r.source_row_number), r.claim_id, r.paid_date, r.dq_warnings]),
      [
        [1, 'C1', '2025-04-01', []],
        [4, 'C2', '2025-04-05', ['conflicting_duplicate_key']],
      ],
      'the first copy of an exact duplicate, the later-paid line of a conflicting key',
    );
    const aprilRows = await readBack(staged[1]?.file, 'source_row_number, claim_id');
    assert.deepEqual(
      aprilRows.map((r) => [Number(r.source_row_number), r.claim_id]),
      [
        [7, 'C5'],
        [8, 'C6'],
      ],
    );
    const file = staged[0]?.file;
    assert.ok(file && 'local' in file && existsSync(file.local));
    const columns = await harness.engine.query(
      `SELECT name FROM parquet_schema(${duckdbDialect.stringLiteral(file.local)}) WHERE name IN ('year', 'month')`,
    );
    assert.deepEqual(columns, []);
  });
});
