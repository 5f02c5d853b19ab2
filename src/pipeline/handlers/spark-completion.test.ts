import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { INPUT, JOB, SparkRunFixture, succeeded, TEMP, task } from '../../../test/support/spark-run-fixture.ts';
import { TOPICS } from '../messages.ts';
import { sourceKeyOf } from '../source-key.ts';
import type { ValidationReport } from '../validation-report.ts';
import { handleSparkCompletion } from './spark-completion.ts';

describe('spark-completion: a Glue run of the plan finished like a DuckDB job', () => {
  const f = new SparkRunFixture();
  beforeEach(() => f.setUp());
  afterEach(() => f.tearDown());

  it('publishes the claims and quarantined rows, writes the report and hands the touched months to post-processing', async () => {
    const sourceKey = sourceKeyOf(f.store.locate(INPUT));
    // An earlier delivery of the same object left a September file and a DuckDB-named quarantine file.
    await f.store.writeText(`processed/claims/year=2025/month=09/${sourceKey}-0.parquet`, 'old');
    await f.store.writeText(`quarantine/rows/${sourceKey}.parquet`, 'old');
    await f.store.writeText('processed/claims/year=2025/month=09/other.csv-0123456789-0.parquet', 'another source');
    await f.stage({
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

    await handleSparkCompletion(succeeded, f.deps());

    const claims = await f.store.list('processed/claims');
    assert.deepEqual(claims, [
      `processed/claims/year=2025/month=09/other.csv-0123456789-0.parquet`,
      `processed/claims/year=2025/month=10/${sourceKey}-0.parquet`,
      `processed/claims/year=2025/month=10/${sourceKey}-1.parquet`,
      `processed/claims/year=2025/month=11/${sourceKey}-0.parquet`,
    ]);
    assert.equal(await f.store.readText(`processed/claims/year=2025/month=10/${sourceKey}-1.parquet`), 'oct1');
    assert.deepEqual(await f.store.list('quarantine/rows'), [
      `quarantine/rows/${sourceKey}-0.parquet`,
      `quarantine/rows/${sourceKey}-1.parquet`,
    ]);
    assert.equal(await f.store.readText(`quarantine/rows/${sourceKey}-1.parquet`), 'q1');
    const archive = `archive/2026-01-31/${JOB}/big feed.csv`;
    assert.equal(await f.store.readText(archive), 'claim_id,claim_line_number\nC1,1\n');

    const r = await f.report();
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
    assert.equal(r.file_sha256, null, 'the task key names the S3 delivery, not the content Glue read');
    assert.equal(r.started_at, '2026-01-31T10:20:30.000Z');
    assert.equal(r.finished_at, '2026-02-01T08:00:00.000Z');
    assert.deepEqual(r.skipped_rules, f.manifest().skipped_rules);
    assert.deepEqual(r.unknown_columns, ['note']);
    assert.equal(r.missing_optional_columns, 4);
    assert.equal(r.timings_ms.spark, 95_000);
    assert.equal(r.report_location, f.store.locate(`validation-reports/${JOB}.json`));
    assert.deepEqual(r.outputs, {
      processed: claims.slice(1),
      quarantine_rows: `quarantine/rows/${sourceKey}-*.parquet`,
      quarantine_file: null,
      archive,
    });
    assert.ok((await f.store.list('validation-reports')).includes(`validation-reports/${JOB}.html`));

    assert.deepEqual(f.published(), [
      [
        TOPICS.events,
        {
          event_type: 'validation_output',
          job_id: JOB,
          input_file: 'big feed.csv',
          validation_status: 'success',
          report_location: r.report_location,
          summary: r.summary,
          timestamp: '2026-02-01T08:00:00Z',
        },
      ],
      // September lost this source's file, so its aggregations are recomputed too.
      [TOPICS.postProcess, { ...task, months: ['2025-09', '2025-10', '2025-11'] }],
    ]);
    assert.deepEqual(await f.store.list(TEMP), [], 'temp/<job_id>/ is gone');
    assert.equal((await f.ledger.job(JOB))?.status, 'STARTED', 'post-processing finishes the job');
    assert.deepEqual(await f.store.list('raw/claims'), [INPUT], 'post-processing removes the inbox copy');

    await handleSparkCompletion(succeeded, f.deps());
    assert.equal(f.bus.queue.length, 2, 'a repeated event finds nothing left to do');
  });

  it('publishes no quarantine file when no row was quarantined, and drops the earlier ones', async () => {
    const sourceKey = sourceKeyOf(f.store.locate(INPUT));
    await f.store.writeText(`quarantine/rows/${sourceKey}-3.parquet`, 'old');
    await f.stage({
      summary: { total: 50, quarantined: 0 },
      quarantineParts: ['empty'],
      claimParts: { 'year=2025/month=10': ['c'] },
    });

    await handleSparkCompletion(succeeded, f.deps());

    assert.deepEqual(await f.store.list('quarantine'), []);
    assert.equal((await f.report()).outputs.quarantine_rows, null);
  });

  async function assertRejected(ruleId: string, reason: string): Promise<ValidationReport> {
    const r = await f.report();
    assert.equal(r.validation_status, 'failed');
    assert.deepEqual(r.file_error, { rule_id: ruleId, reason });
    assert.equal(r.processed_records, 0);
    const quarantined = `quarantine/files/${JOB}/big feed.csv`;
    assert.equal(r.outputs.quarantine_file, quarantined);
    assert.equal(await f.store.readText(quarantined), 'claim_id,claim_line_number\nC1,1\n');
    assert.deepEqual(r.outputs.processed, []);
    assert.deepEqual(await f.store.list('processed'), [], 'no row of a rejected file is published');
    assert.deepEqual(await f.store.list('quarantine/rows'), []);
    const job = await f.ledger.job(JOB);
    assert.equal(job?.status, 'FAILED');
    assert.equal(job?.error, `${ruleId}: ${reason}`);
    assert.deepEqual(await f.store.list('raw/claims'), [], 'the inbox copy is removed');
    assert.deepEqual(
      f.published().map(([topic, m]) => [topic, (m as { event_type: string }).event_type]),
      [
        [TOPICS.events, 'validation_output'],
        [TOPICS.errors, 'error'],
        [TOPICS.events, 'job_status_update'],
      ],
    );
    const error = f.bus.queue[1]?.message as { error_type: string; error_message: string; context: object };
    assert.deepEqual(
      { type: error.error_type, message: error.error_message, context: error.context },
      {
        type: 'data_quality',
        message: `${ruleId}: ${reason}`,
        context: { function_name: 'glue-completion', file: 'big feed.csv', job_id: JOB },
      },
    );
    assert.equal((f.bus.queue[2]?.message as { status?: string } | undefined)?.status, 'FAILED');
    assert.deepEqual(await f.store.list(TEMP), []);
    assert.deepEqual(f.letters, [], 'a data-quality rejection is final, not dead-lettered');
    return r;
  }

  it('rejects the file whole when a rule whose action is halt failed', async () => {
    const rules = f
      .manifest()
      .rules.map((r) => (r.id === 'required_field_missing' ? { ...r, action: 'halt' as const } : r));
    await f.stage(
      {
        summary: { total: 200, quarantined: 7 },
        ruleCounts: [{ rule_id: 'required_field_missing', row_count: 7 }],
        claimParts: { 'year=2025/month=10': ['c'] },
      },
      f.manifest({ rules }),
    );

    await handleSparkCompletion(succeeded, f.deps());

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
    await f.stage({
      summary: { total: 400, quarantined: 30 },
      ruleCounts: [{ rule_id: 'required_field_missing', row_count: 30 }],
      claimParts: { 'year=2025/month=10': ['c'] },
    });

    await handleSparkCompletion(succeeded, f.deps());

    const r = await assertRejected(
      'error_rate_exceeded',
      '30 of 400 rows (7.50%) failed validation, over the threshold of 5.00%',
    );
    assert.equal(r.rules.at(-1)?.rule_id, 'error_rate_exceeded');
  });

  it('rejects a file with a header and no rows as empty, listing only that rule', async () => {
    await f.stage({ summary: { total: 0, quarantined: 0 } });

    await handleSparkCompletion(succeeded, f.deps());

    const r = await assertRejected('empty_file', 'the file has a header but no data rows');
    assert.deepEqual(
      r.rules.map((rule) => rule.rule_id),
      ['empty_file'],
    );
    assert.equal(r.quality, null);
  });
});
