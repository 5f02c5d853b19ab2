import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { S3Client } from '@aws-sdk/client-s3';
import { createAwsHandlerDeps, type LambdaContainer } from '../../src/adapters/aws/aws-handler-deps.ts';
import { EmfMetrics } from '../../src/adapters/aws/emf-metrics.ts';
import { createTaskHandler } from '../../src/adapters/aws/lambda/deliver-task.ts';
import { type LambdaEnv, parseLambdaEnv } from '../../src/adapters/aws/lambda-env.ts';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { LocalObjectStore } from '../../src/adapters/local-store/local-object-store.ts';
import { StoreDeadLetterQueue } from '../../src/adapters/local-store/store-dead-letters.ts';
import { createLogger } from '../../src/adapters/logging/json-logger.ts';
import { SqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.ts';
import { alertFor } from '../../src/domain/alert-policy.ts';
import { TransientError } from '../../src/domain/errors.ts';
import { happeningOfError } from '../../src/pipeline/alerts/job-happenings.ts';
import { type ErrorEvent, TOPICS } from '../../src/pipeline/messages.ts';
import { runConfigSchema } from '../../src/pipeline/run-config.ts';
import { BUCKETS, lambdaEnvVars, QueuedBus, snsEvent } from '../support/aws-lambda-harness.ts';
import { tempDir } from '../support/cli.ts';

const THRESHOLDS = runConfigSchema.parse({}).alerts.thresholds;
const AT = new Date('2026-01-31T12:00:00Z');

/**
 * A subscribed function whose work fails: the delivery of deliver-task.ts with real parts where this
 * machine has them: the SQLite ledger (no DynamoDB here), the dead-letter queue as `watch` keeps it
 * (in a folder; the SQS one has its own tests, and no SQS emulator is in .venv yet), the bus as a queue.
 */
describe('a failed task on AWS ends its job as locally', () => {
  let dir: string;
  let env: LambdaEnv;

  before(async () => {
    dir = await tempDir('aws-task-failures');
    env = parseLambdaEnv(lambdaEnvVars(BUCKETS));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function deliver(jobId: string, failures: readonly Error[]) {
    const ledger = new SqliteLedger(':memory:');
    const bus = new QueuedBus();
    const emf: string[] = [];
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), BUCKETS, join(dir, jobId));
    const deps = createAwsHandlerDeps(
      { store, bus, ledger, metrics: new EmfMetrics((line) => emf.push(line), { environment: 'dev' }) },
      {
        refdataPrefix: 'refdata/',
        localRoot: join(dir, jobId),
        memoryMb: 512,
        logger: createLogger(false, { write: () => true }),
        clock: { now: () => AT },
      },
    );
    const dlq = new StoreDeadLetterQueue(new LocalObjectStore(join(dir, `root-${jobId}`)));
    const container = (): LambdaContainer => ({ env, store, deps, dlq });
    await ledger.claimDelivery('c'.repeat(64), 'raw/claims/feed.csv', jobId, new Date(AT.getTime() - 4000));
    let calls = 0;
    const handler = createTaskHandler(
      TOPICS.etl,
      'etl',
      async () => {
        const failure = failures[calls++];
        if (failure) throw failure;
      },
      container,
    );
    const task = { job_id: jobId, key: 'raw/claims/feed.csv', sha256: 'c'.repeat(64), input_file: 'feed.csv' };
    // Resolves: a job the delivery gave up on is not handed back to Lambda's retries.
    await handler(snsEvent(TOPICS.etl, task));
    const job = await ledger.job(jobId);
    ledger.close();
    const letters = await dlq.list();
    return { calls, job, letters, bus, emf };
  }

  it('does not retry a system error: dead letter, FAILED ledger, error event rated critical, FAILED status and metrics', async () => {
    const jobId = 'claims-etl-20260131-120000-0001';
    const { calls, job, letters, bus, emf } = await deliver(jobId, [new Error('disk full')]);
    assert.equal(calls, 1, 'one attempt');
    assert.equal(letters.length, 1);
    assert.equal(letters[0]?.id, `${jobId}-etl`);
    assert.deepEqual(
      letters[0]?.errors.map((e) => [e.attempt, e.error_type]),
      [[1, 'system']],
    );
    assert.equal(job?.status, 'FAILED');
    assert.match(job?.error ?? '', /^system: /);
    const [error, status] = bus.queue;
    assert.equal(error?.topic, TOPICS.errors);
    const event = error?.message as ErrorEvent;
    assert.deepEqual(
      { ...event, error_message: undefined },
      {
        event_type: 'error',
        error_message: undefined,
        error_type: 'system',
        context: { function_name: 'etl', file: 'feed.csv', job_id: jobId },
        timestamp: '2026-01-31T12:00:00Z',
      },
    );
    assert.match(
      event.error_message,
      /^etl failed after 1 attempt\(s\): .*dead-lettered as claims-etl-20260131-120000-0001-etl$/,
    );
    assert.equal(alertFor(happeningOfError(event), THRESHOLDS).severity, 'critical');
    assert.deepEqual(status?.message, {
      event_type: 'job_status_update',
      job_id: jobId,
      status: 'FAILED',
      // The AWS wiring names the object by its S3 location in messages.
      input_file: 's3://claimflow-dev-input/raw/claims/feed.csv',
      timestamp: '2026-01-31T12:00:00Z',
    });
    const failed = emf.map((line) => JSON.parse(line)).find((doc) => doc.status === 'FAILED');
    assert.equal(failed?.files_processed, 1);
    assert.ok(
      emf.some((line) => JSON.parse(line).job_duration_ms === 4000),
      'end to end from the ledger',
    );
  });

  it('retries a transient error with backoff and leaves the job running when a retry succeeds', async () => {
    const jobId = 'claims-etl-20260131-120000-0002';
    const { calls, job, letters, bus } = await deliver(jobId, [
      new TransientError('throttled'),
      new TransientError('throttled'),
    ]);
    assert.equal(calls, 3);
    assert.equal(letters.length, 0);
    assert.equal(job?.status, 'STARTED');
    assert.equal(bus.queue.length, 0);
  });

  it('dead-letters a transient error after three attempts, rated high (retries exhausted)', async () => {
    const jobId = 'claims-etl-20260131-120000-0003';
    const failures = [1, 2, 3].map(() => new TransientError('throttled'));
    const { calls, job, letters, bus } = await deliver(jobId, failures);
    assert.equal(calls, 3);
    assert.deepEqual(
      letters[0]?.errors.map((e) => e.error_type),
      ['transient', 'transient', 'transient'],
    );
    assert.equal(job?.status, 'FAILED');
    const event = bus.queue[0]?.message as ErrorEvent;
    assert.equal(event.error_type, 'transient');
    assert.equal(alertFor(happeningOfError(event), THRESHOLDS).severity, 'high');
  });
});
