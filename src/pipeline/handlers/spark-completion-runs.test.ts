import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { INPUT, JOB, SparkRunFixture, succeeded, TEMP, task } from '../../../test/support/spark-run-fixture.ts';
import { TOPICS } from '../messages.ts';
import { type FinishedSparkRun, handleSparkCompletion } from './spark-completion.ts';

describe('spark-completion: failed, replayed and malformed Glue runs', () => {
  const f = new SparkRunFixture();
  beforeEach(() => f.setUp());
  afterEach(() => f.tearDown());

  it('dead-f.letters the task of a failed run for manual review and fails the job with Glue’s error', async () => {
    await f.stage({ summary: { total: 200, quarantined: 0 }, claimParts: { 'year=2025/month=10': ['half'] } });
    const failed: FinishedSparkRun = {
      ...succeeded,
      state: 'TIMEOUT',
      succeeded: false,
      error: 'Job run timed out after 120 minutes',
      executionSeconds: 7200,
    };

    await handleSparkCompletion(failed, f.deps());

    const problem = 'glue run jr_1 ended TIMEOUT: Job run timed out after 120 minutes';
    assert.deepEqual(f.letters, [
      {
        id: `${JOB}-etl`,
        topic: TOPICS.etl,
        handler: 'etl',
        message: task,
        errors: [{ attempt: 1, error_type: 'system', message: problem, at: '2026-02-01T08:00:00.000Z' }],
        created_at: '2026-02-01T08:00:00.000Z',
      },
    ]);
    const job = await f.ledger.job(JOB);
    assert.equal(job?.status, 'FAILED');
    assert.equal(job?.error, `system: ${problem}`);
    assert.deepEqual(f.published(), [
      [
        TOPICS.errors,
        {
          event_type: 'error',
          error_message: `etl failed on Glue: ${problem}; dead-lettered as ${JOB}-etl`,
          error_type: 'system',
          context: { function_name: 'glue-completion', file: 'big feed.csv', job_id: JOB },
          timestamp: '2026-02-01T08:00:00Z',
        },
      ],
      [
        TOPICS.events,
        {
          event_type: 'job_status_update',
          job_id: JOB,
          status: 'FAILED',
          input_file: 'big feed.csv',
          timestamp: '2026-02-01T08:00:00Z',
        },
      ],
    ]);
    assert.deepEqual(await f.store.list(TEMP), [], 'the partial outputs are removed');
    assert.deepEqual(await f.store.list('processed'), []);
    assert.deepEqual(await f.store.list('validation-reports'), []);
    assert.deepEqual(await f.store.list('raw/claims'), [INPUT], 'the input stays for the replay');
  });

  it('completes a replayed job that failed before, and leaves one finished since the run was handed over alone', async () => {
    await f.ledger.finishJob(JOB, 'FAILED', new Date('2026-01-31T09:00:00Z'), { error: 'system: an earlier run' });
    await f.stage({ summary: { total: 50, quarantined: 0 }, claimParts: { 'year=2025/month=10': ['c'] } });
    await handleSparkCompletion(succeeded, f.deps());
    assert.deepEqual(
      f.published().map(([topic]) => topic),
      [TOPICS.events, TOPICS.postProcess],
    );

    await f.ledger.finishJob(JOB, 'SUCCEEDED', new Date('2026-01-31T11:00:00Z'), {});
    await f.stage({ summary: { total: 50, quarantined: 0 }, claimParts: { 'year=2025/month=10': ['c'] } });
    await handleSparkCompletion(succeeded, f.deps());
    assert.equal(f.bus.queue.length, 2, 'nothing published again');
    assert.deepEqual(await f.store.list(TEMP), [], 'the leftovers are cleared');
  });

  it('fails loudly when a finished run left an output that does not match the plan', async () => {
    await f.stage({ summary: { total: 10, quarantined: 0 } });
    await f.store.writeText(`${TEMP}/rule_counts/part-00000-1b2c-c000.json`, '{"rule_id":"x","row_count":"many"}\n');

    await assert.rejects(
      handleSparkCompletion(succeeded, f.deps()),
      /output rule_counts: a row does not match the plan/,
    );
    assert.ok((await f.store.list(TEMP)).includes(`${TEMP}/job.json`), 'kept for the retry');
  });
});
