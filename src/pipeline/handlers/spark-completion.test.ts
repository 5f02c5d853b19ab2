import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, beforeEach, describe, it } from 'node:test';
import { QueuedBus } from '../../../test/support/aws-lambda-harness.ts';
import { tempDir } from '../../../test/support/cli.ts';
import { LocalObjectStore } from '../../adapters/local-store/local-object-store.ts';
import { SqliteLedger } from '../../adapters/sqlite/sqlite-ledger.ts';
import { createLimiter } from '../limiter.ts';
import { type FileTask, TOPICS } from '../messages.ts';
import type { DeadLetter } from '../ports.ts';
import { sourceKeyOf } from '../source-key.ts';
import type { SparkJobManifest } from '../spark-job-manifest.ts';
import type { ValidationReport } from '../validation-report.ts';
import { type FinishedSparkRun, handleSparkCompletion } from './spark-completion.ts';

const JOB = 'claims-etl-20260131-102030-0007';
const TEMP = `temp/${JOB}`;
const INPUT = 'raw/claims/big feed.csv';
const clock = { now: () => new Date('2026-02-01T08:00:00Z') };
const task: FileTask = { job_id: JOB, key: INPUT, sha256: 'c0ffee', input_file: 'big feed.csv', months: [] };
const succeeded: FinishedSparkRun = {
  jobId: JOB,
  runId: 'jr_1',
  state: 'SUCCEEDED',
  succeeded: true,
  error: null,
  executionSeconds: 95,
};

/** Glue's outputs of a run, as the plan writes them (JSON lines; Parquet parts here stand-in bytes). */
interface SparkOutputs {
  readonly summary: { total: number; quarantined: number };
  readonly ruleCounts?: Array<{ rule_id: string; row_count: number }>;
  readonly samples?: Array<{
    rule_id: string;
    source_row_number: number;
    claim_id: string | null;
    claim_line_number: string | null;
  }>;
  readonly quarantineParts?: string[];
  /** Part contents by `year=YYYY/month=MM`. */
  readonly claimParts?: Record<string, string[]>;
}

const dimensions = { completeness: 7, validity: 3, consistency: 0, uniqueness: 0, timeliness: 0 };

describe('spark-completion: a Glue run of the plan finished like a DuckDB job', () => {
  let root: string;
  let store: LocalObjectStore;
  let ledger: SqliteLedger;
  let bus: QueuedBus;
  let letters: DeadLetter[];
  const deps = () => ({
    store,
    bus,
    ledger,
    clock,
    logger: { info: () => {}, warn: () => {} },
    exclusive: createLimiter(1),
    dlq: { put: async (l: DeadLetter) => void letters.push(l), list: async () => letters, remove: async () => {} },
  });

  const manifest = (overrides: Partial<SparkJobManifest> = {}): SparkJobManifest => ({
    version: 1,
    task,
    started_at: '2026-01-31T10:20:30.000Z',
    format: 'csv',
    data_source: 'claims',
    error_rate_threshold: 0.05,
    rules: [
      { id: 'malformed_row', action: 'quarantine', severity: 'high' },
      { id: 'required_field_missing', action: 'quarantine', severity: 'high' },
      { id: 'invalid_date_format', action: 'warn', severity: 'medium' },
    ],
    skipped_rules: [{ rule_id: 'unknown_icd10cm_code', reason: 'no icd10cm reference list' }],
    unknown_columns: ['note'],
    missing_optional_columns: 4,
    ...overrides,
  });

  async function stage(outputs: SparkOutputs, m: SparkJobManifest = manifest()): Promise<void> {
    await store.writeText(`${TEMP}/plan.json`, '{}\n');
    await store.writeText(`${TEMP}/job.json`, JSON.stringify(m));
    const json = async (name: string, rows: readonly object[]) => {
      await store.writeText(
        `${TEMP}/${name}/part-00000-1b2c-c000.json`,
        rows.map((r) => `${JSON.stringify(r)}\n`).join(''),
      );
      await store.writeText(`${TEMP}/${name}/_SUCCESS`, '');
    };
    await json('summary', [outputs.summary]);
    await json('rule_counts', outputs.ruleCounts ?? []);
    await json('rule_samples', outputs.samples ?? []);
    await json('dimension_failures', [dimensions]);
    await json('duplicate_counts', [{ repeated_rows: 6, distinct_lines: 3, kept: 2, flagged: 2 }]);
    for (const [i, part] of (outputs.quarantineParts ?? []).entries()) {
      await store.writeText(`${TEMP}/quarantine/part-0000${i}-9f.c000.snappy.parquet`, part);
    }
    for (const [partition, parts] of Object.entries(outputs.claimParts ?? {})) {
      for (const [i, part] of parts.entries()) {
        await store.writeText(`${TEMP}/claims/${partition}/part-0000${i}-9f.c000.snappy.parquet`, part);
      }
      await store.writeText(`${TEMP}/claims/_SUCCESS`, '');
    }
    await store.writeText(`${TEMP}/aggregations/monthly_by_payer_claim_type/part-00000-9f.c000.snappy.parquet`, 'agg');
  }

  const report = async (): Promise<ValidationReport> =>
    JSON.parse(await store.readText(`validation-reports/${JOB}.json`)) as ValidationReport;
  const published = () => bus.queue.map(({ topic, message }) => [topic, message] as const);

  beforeEach(async () => {
    root = await tempDir('spark-completion');
    store = new LocalObjectStore(root);
    ledger = new SqliteLedger(':memory:');
    bus = new QueuedBus();
    letters = [];
    await store.writeText(INPUT, 'claim_id,claim_line_number\nC1,1\n');
    await ledger.claimDelivery(task.sha256, INPUT, JOB, new Date('2026-01-31T10:20:30Z'));
  });
  after(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('publishes the claims and quarantined rows, writes the report and hands the touched months to post-processing', async () => {
    const sourceKey = sourceKeyOf(store.locate(INPUT));
    // An earlier delivery of the same object left a September file and a DuckDB-named quarantine file.
    await store.writeText(`processed/claims/year=2025/month=09/${sourceKey}-0.parquet`, 'old');
    await store.writeText(`quarantine/rows/${sourceKey}.parquet`, 'old');
    await store.writeText('processed/claims/year=2025/month=09/other.csv-0123456789-0.parquet', 'another source');
    await stage({
      summary: { total: 200, quarantined: 9 },
      ruleCounts: [
        { rule_id: 'required_field_missing', row_count: 7 },
        { rule_id: 'malformed_row', row_count: 2 },
        { rule_id: 'invalid_date_format', row_count: 3 },
      ],
      samples: [
        { rule_id: 'required_field_missing', source_row_number: 40, claim_id: 'C40', claim_line_number: '1' },
        { rule_id: 'required_field_missing', source_row_number: 4, claim_id: null, claim_line_number: '2' },
        { rule_id: 'malformed_row', source_row_number: 17, claim_id: null, claim_line_number: null },
      ],
      quarantineParts: ['q0', 'q1'],
      claimParts: { 'year=2025/month=10': ['oct0', 'oct1'], 'year=2025/month=11': ['nov0'] },
    });

    await handleSparkCompletion(succeeded, deps());

    const claims = await store.list('processed/claims');
    assert.deepEqual(claims, [
      `processed/claims/year=2025/month=09/other.csv-0123456789-0.parquet`,
      `processed/claims/year=2025/month=10/${sourceKey}-0.parquet`,
      `processed/claims/year=2025/month=10/${sourceKey}-1.parquet`,
      `processed/claims/year=2025/month=11/${sourceKey}-0.parquet`,
    ]);
    assert.equal(await store.readText(`processed/claims/year=2025/month=10/${sourceKey}-1.parquet`), 'oct1');
    assert.deepEqual(await store.list('quarantine/rows'), [
      `quarantine/rows/${sourceKey}-0.parquet`,
      `quarantine/rows/${sourceKey}-1.parquet`,
    ]);
    assert.equal(await store.readText(`quarantine/rows/${sourceKey}-1.parquet`), 'q1');
    const archive = `archive/2026-01-31/${JOB}/big feed.csv`;
    assert.equal(await store.readText(archive), 'claim_id,claim_line_number\nC1,1\n');

    const r = await report();
    assert.equal(r.validation_status, 'success');
    assert.deepEqual(r.summary, { total_records: 200, valid_records: 191, error_records: 9 });
    // 6 repeated rows are 3 distinct lines (3 exact copies dropped), of which 2 kept (1 conflicting).
    assert.deepEqual(r.duplicates_removed, { exact: 3, conflicting_key: 1, total: 4 });
    assert.equal(r.processed_records, 200 - 9 - 3 - 1);
    assert.deepEqual(
      r.rules.map((rule) => [rule.rule_id, rule.action, rule.row_count]),
      [
        ['malformed_row', 'quarantine', 2],
        ['required_field_missing', 'quarantine', 7],
        ['invalid_date_format', 'warn', 3],
        ['conflicting_duplicate_key', 'warn', 2],
      ],
    );
    assert.deepEqual(
      r.rules[1]?.samples.map((s) => s.source_row_number),
      [4, 40],
      'lowest row numbers first',
    );
    assert.ok(r.quality && r.quality.score < 100);
    assert.equal(r.file_error, null);
    assert.equal(r.format, 'csv');
    assert.equal(r.file_sha256, 'c0ffee');
    assert.equal(r.started_at, '2026-01-31T10:20:30.000Z');
    assert.equal(r.finished_at, '2026-02-01T08:00:00.000Z');
    assert.deepEqual(r.skipped_rules, manifest().skipped_rules);
    assert.deepEqual(r.unknown_columns, ['note']);
    assert.equal(r.missing_optional_columns, 4);
    assert.equal(r.timings_ms.spark, 95_000);
    assert.equal(r.report_location, store.locate(`validation-reports/${JOB}.json`));
    assert.deepEqual(r.outputs, {
      processed: claims.slice(1),
      quarantine_rows: `quarantine/rows/${sourceKey}-*.parquet`,
      quarantine_file: null,
      archive,
    });
    assert.ok((await store.list('validation-reports')).includes(`validation-reports/${JOB}.html`));

    assert.deepEqual(published(), [
      [
        TOPICS.events,
        {
          event_type: 'validation_output',
          job_id: JOB,
          input_file: 'big feed.csv',
          validation_status: 'success',
          report_location: r.report_location,
          summary: r.summary,
          timestamp: '2026-02-01T08:00:00.000Z',
        },
      ],
      // September lost this source's file, so its aggregations are recomputed too.
      [TOPICS.postProcess, { ...task, months: ['2025-09', '2025-10', '2025-11'] }],
    ]);
    assert.deepEqual(await store.list(TEMP), [], 'temp/<job_id>/ is gone');
    assert.equal((await ledger.job(JOB))?.status, 'STARTED', 'post-processing finishes the job');
    assert.deepEqual(await store.list('raw/claims'), [INPUT], 'post-processing removes the inbox copy');

    await handleSparkCompletion(succeeded, deps());
    assert.equal(bus.queue.length, 2, 'a repeated event finds nothing left to do');
  });

  it('publishes no quarantine file when no row was quarantined, and drops the earlier ones', async () => {
    const sourceKey = sourceKeyOf(store.locate(INPUT));
    await store.writeText(`quarantine/rows/${sourceKey}-3.parquet`, 'old');
    await stage({
      summary: { total: 50, quarantined: 0 },
      quarantineParts: ['empty'],
      claimParts: { 'year=2025/month=10': ['c'] },
    });

    await handleSparkCompletion(succeeded, deps());

    assert.deepEqual(await store.list('quarantine'), []);
    assert.equal((await report()).outputs.quarantine_rows, null);
  });

  async function assertRejected(ruleId: string, reason: string): Promise<ValidationReport> {
    const r = await report();
    assert.equal(r.validation_status, 'failed');
    assert.deepEqual(r.file_error, { rule_id: ruleId, reason });
    assert.equal(r.processed_records, 0);
    const quarantined = `quarantine/files/${JOB}/big feed.csv`;
    assert.equal(r.outputs.quarantine_file, quarantined);
    assert.equal(await store.readText(quarantined), 'claim_id,claim_line_number\nC1,1\n');
    assert.deepEqual(r.outputs.processed, []);
    assert.deepEqual(await store.list('processed'), [], 'no row of a rejected file is published');
    assert.deepEqual(await store.list('quarantine/rows'), []);
    const job = await ledger.job(JOB);
    assert.equal(job?.status, 'FAILED');
    assert.equal(job?.error, `${ruleId}: ${reason}`);
    assert.deepEqual(await store.list('raw/claims'), [], 'the inbox copy is removed');
    assert.deepEqual(
      published().map(([topic, m]) => [topic, (m as { event_type: string }).event_type]),
      [
        [TOPICS.events, 'validation_output'],
        [TOPICS.errors, 'error'],
        [TOPICS.events, 'job_status_update'],
      ],
    );
    const error = bus.queue[1]?.message as { error_type: string; error_message: string; context: object };
    assert.deepEqual(
      { type: error.error_type, message: error.error_message, context: error.context },
      {
        type: 'data_quality',
        message: `${ruleId}: ${reason}`,
        context: { function_name: 'glue-completion', file: 'big feed.csv', job_id: JOB },
      },
    );
    assert.equal((bus.queue[2]?.message as { status?: string } | undefined)?.status, 'FAILED');
    assert.deepEqual(await store.list(TEMP), []);
    assert.deepEqual(letters, [], 'a data-quality rejection is final, not dead-lettered');
    return r;
  }

  it('rejects the file whole when a rule whose action is halt failed', async () => {
    const rules = manifest().rules.map((r) =>
      r.id === 'required_field_missing' ? { ...r, action: 'halt' as const } : r,
    );
    await stage(
      {
        summary: { total: 200, quarantined: 7 },
        ruleCounts: [{ rule_id: 'required_field_missing', row_count: 7 }],
        claimParts: { 'year=2025/month=10': ['c'] },
      },
      manifest({ rules }),
    );

    await handleSparkCompletion(succeeded, deps());

    const r = await assertRejected('required_field_missing', '7 row(s) broke a rule whose action is halt');
    assert.deepEqual(r.summary, { total_records: 200, valid_records: 0, error_records: 200 });
    assert.deepEqual(
      r.rules.map((rule) => [rule.rule_id, rule.row_count]),
      [
        ['malformed_row', 0],
        ['required_field_missing', 7],
        ['invalid_date_format', 0],
      ],
    );
    assert.ok(r.quality, 'the rows were checked, so the score is there');
  });

  it('rejects the file whole when more rows were quarantined than the error-rate threshold allows', async () => {
    await stage({
      summary: { total: 400, quarantined: 30 },
      ruleCounts: [{ rule_id: 'required_field_missing', row_count: 30 }],
      claimParts: { 'year=2025/month=10': ['c'] },
    });

    await handleSparkCompletion(succeeded, deps());

    const r = await assertRejected(
      'error_rate_exceeded',
      '30 of 400 rows (7.50%) failed validation, over the threshold of 5.00%',
    );
    assert.equal(r.rules.at(-1)?.rule_id, 'error_rate_exceeded');
  });

  it('rejects a file with a header and no rows as empty, listing only that rule', async () => {
    await stage({ summary: { total: 0, quarantined: 0 } });

    await handleSparkCompletion(succeeded, deps());

    const r = await assertRejected('empty_file', 'the file has a header but no data rows');
    assert.deepEqual(
      r.rules.map((rule) => rule.rule_id),
      ['empty_file'],
    );
    assert.equal(r.quality, null);
  });

  it('dead-letters the task of a failed run for manual review and fails the job with Glue’s error', async () => {
    await stage({ summary: { total: 200, quarantined: 0 }, claimParts: { 'year=2025/month=10': ['half'] } });
    const failed: FinishedSparkRun = {
      ...succeeded,
      state: 'TIMEOUT',
      succeeded: false,
      error: 'Job run timed out after 120 minutes',
      executionSeconds: 7200,
    };

    await handleSparkCompletion(failed, deps());

    const problem = 'glue run jr_1 ended TIMEOUT: Job run timed out after 120 minutes';
    assert.deepEqual(letters, [
      {
        id: `${JOB}-etl`,
        topic: TOPICS.etl,
        handler: 'etl',
        message: task,
        errors: [{ attempt: 1, error_type: 'system', message: problem, at: '2026-02-01T08:00:00.000Z' }],
        created_at: '2026-02-01T08:00:00.000Z',
      },
    ]);
    const job = await ledger.job(JOB);
    assert.equal(job?.status, 'FAILED');
    assert.equal(job?.error, `system: ${problem}`);
    assert.deepEqual(published(), [
      [
        TOPICS.errors,
        {
          event_type: 'error',
          error_message: `etl failed on Glue: ${problem}; dead-lettered as ${JOB}-etl`,
          error_type: 'system',
          context: { function_name: 'glue-completion', file: 'big feed.csv', job_id: JOB },
          timestamp: '2026-02-01T08:00:00.000Z',
        },
      ],
      [
        TOPICS.events,
        {
          event_type: 'job_status_update',
          job_id: JOB,
          status: 'FAILED',
          input_file: 'big feed.csv',
          timestamp: '2026-02-01T08:00:00.000Z',
        },
      ],
    ]);
    assert.deepEqual(await store.list(TEMP), [], 'the partial outputs are removed');
    assert.deepEqual(await store.list('processed'), []);
    assert.deepEqual(await store.list('validation-reports'), []);
    assert.deepEqual(await store.list('raw/claims'), [INPUT], 'the input stays for the replay');
  });

  it('completes a replayed job that failed before, and leaves one finished since the run was handed over alone', async () => {
    await ledger.finishJob(JOB, 'FAILED', new Date('2026-01-31T09:00:00Z'), { error: 'system: an earlier run' });
    await stage({ summary: { total: 50, quarantined: 0 }, claimParts: { 'year=2025/month=10': ['c'] } });
    await handleSparkCompletion(succeeded, deps());
    assert.deepEqual(
      published().map(([topic]) => topic),
      [TOPICS.events, TOPICS.postProcess],
    );

    await ledger.finishJob(JOB, 'SUCCEEDED', new Date('2026-01-31T11:00:00Z'), {});
    await stage({ summary: { total: 50, quarantined: 0 }, claimParts: { 'year=2025/month=10': ['c'] } });
    await handleSparkCompletion(succeeded, deps());
    assert.equal(bus.queue.length, 2, 'nothing published again');
    assert.deepEqual(await store.list(TEMP), [], 'the leftovers are cleared');
  });

  it('fails loudly when a finished run left an output that does not match the plan', async () => {
    await stage({ summary: { total: 10, quarantined: 0 } });
    await store.writeText(`${TEMP}/rule_counts/part-00000-1b2c-c000.json`, '{"rule_id":"x","row_count":"many"}\n');

    await assert.rejects(handleSparkCompletion(succeeded, deps()), /output rule_counts: a row does not match the plan/);
    assert.ok((await store.list(TEMP)).includes(`${TEMP}/job.json`), 'kept for the retry');
  });
});
