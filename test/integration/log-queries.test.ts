import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { REPO_ROOT } from '../../infra/repo-paths.ts';
import { createAwsHandlerDeps, type LambdaContainer } from '../../src/adapters/aws/aws-handler-deps.ts';
import { createTaskHandler } from '../../src/adapters/aws/lambda/deliver-task.ts';
import { createErrorHandler } from '../../src/adapters/aws/lambda/error-handler.ts';
import { createTriggerHandler } from '../../src/adapters/aws/lambda/trigger.ts';
import { parseLambdaEnv } from '../../src/adapters/aws/lambda-env.ts';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { LocalObjectStore } from '../../src/adapters/local-store/local-object-store.ts';
import { StoreDeadLetterQueue } from '../../src/adapters/local-store/store-dead-letters.ts';
import { createLogger } from '../../src/adapters/logging/json-logger.ts';
import { SqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.ts';
import { errorEvent } from '../../src/pipeline/handlers/handler-deps.ts';
import { TOPICS } from '../../src/pipeline/messages.ts';
import { BUCKETS, lambdaEnvVars, QueuedBus, snsEvent } from '../support/aws-lambda-harness.ts';
import { tempDir } from '../support/cli.ts';
import { AWS_EXAMPLE_EVENT } from '../support/design-contracts.ts';
import { runInsightsQuery, troubleshootingQueries } from '../support/logs-insights.ts';

const run = promisify(execFile);
const AT = new Date('2026-01-31T12:00:00Z');

/**
 * The reference design's troubleshooting queries, as docs/monitoring.md lists them, over log lines
 * the code writes: the Lambda functions' JSON log (a system failure dead-lettered by etl, the alert
 * function's line for that error and for a rejected file, the trigger ignoring an object) and the
 * line glue/run_plan.py prints. Logs Insights is not emulated here: test/support/logs-insights.ts
 * applies the queries' `filter @message like /.../` and `parse` as Logs Insights documents them.
 */
describe('troubleshooting queries find what they look for in the logs', () => {
  let dir: string;
  const lines: string[] = [];
  let errorsQuery: string;
  let glueQuery: string;

  before(async () => {
    dir = await tempDir('log-queries');
    ({ errorsQuery, glueQuery } = await troubleshootingQueries());
    const env = parseLambdaEnv(lambdaEnvVars(BUCKETS));
    const ledger = new SqliteLedger(':memory:');
    const store = new S3ObjectStore(new S3Client({ region: 'us-east-1' }), BUCKETS, join(dir, 'scratch'));
    const deps = createAwsHandlerDeps(
      { store, bus: new QueuedBus(), ledger },
      {
        refdataPrefix: 'refdata/',
        localRoot: join(dir, 'lambda'),
        memoryMb: 512,
        logger: createLogger(true, { write: (line: string) => lines.push(line.trimEnd()) > 0 }),
        clock: { now: () => AT },
      },
    );
    const dlq = new StoreDeadLetterQueue(new LocalObjectStore(join(dir, 'root')));
    const container = (): LambdaContainer => ({ env, store, deps, dlq });
    // The trigger, on S3's example event: an object outside the inbox, ignored (an INFO line).
    await createTriggerHandler(container)(AWS_EXAMPLE_EVENT);
    // etl failing with a system error: no retry, the task dead-lettered (the ERROR line of etl).
    const jobId = 'claims-etl-20260131-120000-0001';
    await ledger.claimDelivery('c'.repeat(64), 'raw/claims/feed.csv', jobId, AT);
    const etl = createTaskHandler(
      TOPICS.etl,
      'etl',
      async () => {
        throw new Error('disk full');
      },
      container,
    );
    await etl(snsEvent(TOPICS.etl, { job_id: jobId, key: 'raw/claims/feed.csv', sha256: 'c', input_file: 'feed.csv' }));
    // The alert function, for that error and for a file rejected whole (its ERROR lines).
    const alerts = createErrorHandler(container, async () => async () => {});
    const [systemError] = (deps.bus as QueuedBus).queue.filter((m) => m.topic === TOPICS.errors);
    assert.ok(systemError, 'etl published its error event');
    await alerts(snsEvent(TOPICS.errors, systemError.message));
    const rejected = errorEvent(deps, {
      error_message: 'error_rate_exceeded: 40% of rows quarantined',
      error_type: 'data_quality',
      function_name: 'etl',
      file: 'defective.csv',
      job_id: 'claims-etl-20260131-120000-0002',
    });
    await alerts(snsEvent(TOPICS.errors, rejected));
    ledger.close();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('errors in the Lambda logs: the failed job, newest first, and nothing else', () => {
    assert.ok(
      lines.some((line) => line.includes('"object ignored"')),
      'the trigger logged its INFO line',
    );
    const found = runInsightsQuery(errorsQuery, lines).map((row) => JSON.parse(row['@message'] ?? '{}'));
    assert.deepEqual(
      found.map((l) => [l.level, l.message, l.function_name, l.error_type, l.job_id]),
      [
        ['ERROR', 'pipeline error', 'etl', 'data_quality', 'claims-etl-20260131-120000-0002'],
        ['ERROR', 'pipeline error', 'etl', 'system', 'claims-etl-20260131-120000-0001'],
        ['ERROR', 'job failed', 'etl', 'system', 'claims-etl-20260131-120000-0001'],
      ],
    );
    assert.deepEqual(
      [found[2]?.file, found[2]?.attempts, found[2]?.letter_id],
      ['feed.csv', 1, 'claims-etl-20260131-120000-0001-etl'],
    );
    // The error's text can quote data: the line carries the letter's id, never the message.
    assert.ok(!lines.some((line) => line.includes('disk full')));
  });

  it('Glue processing time: the line run_plan.py prints, parsed into its seconds', async () => {
    const python = join(REPO_ROOT, '.venv/bin/python');
    const script =
      'import sys; sys.path.insert(0, "glue"); import run_plan; print(run_plan.completion_line(sys.argv[1], 73.456))';
    const { stdout } = await run(python, ['-c', script, 'claims-etl-20260131-120000-0003'], { cwd: REPO_ROOT });
    // Among the other lines of a Glue job's output log: the statements' timings and Spark's own.
    const log = [
      'claimflow: checked: 12.50s',
      stdout.trimEnd(),
      '26/01/31 12:00:01 INFO SparkContext: Successfully stopped SparkContext',
    ];
    assert.deepEqual(runInsightsQuery(glueQuery, log), [
      {
        '@message': 'claimflow claims-etl-20260131-120000-0003: Processing complete in 73.46 seconds',
        duration: '73.46',
      },
    ]);
  });
});
