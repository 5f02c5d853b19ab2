import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { S3Client } from '@aws-sdk/client-s3';
import { openAwsAlerts } from '../../src/adapters/aws/aws-alerts.ts';
import { createAwsHandlerDeps, type LambdaContainer } from '../../src/adapters/aws/aws-handler-deps.ts';
import { createErrorHandler } from '../../src/adapters/aws/lambda/error-handler.ts';
import { parseLambdaEnv } from '../../src/adapters/aws/lambda-env.ts';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { LocalObjectStore } from '../../src/adapters/local-store/local-object-store.ts';
import { StoreDeadLetterQueue } from '../../src/adapters/local-store/store-dead-letters.ts';
import { createLogger } from '../../src/adapters/logging/json-logger.ts';
import { SqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.ts';
import { TOPICS } from '../../src/pipeline/messages.ts';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import {
  BUCKETS,
  generateAndRunLocally,
  lambdaEnvVars,
  QueuedBus,
  RUN_DATE,
  snsEvent,
} from '../support/aws-lambda-harness.ts';
import { tempDir } from '../support/cli.ts';
import { type HttpReceiver, startHttpReceiver } from '../support/http-receiver.ts';

const SNS_PUBLISHED = `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>`;
const ALERT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:claimflow-dev-alerts';

/**
 * The alert function on AWS, through the same policy and dispatcher as locally, to receivers on
 * loopback: Slack (a webhook) and PagerDuty (Events v2) are HTTP servers here, as they are HTTP
 * services there; SNS is a loopback server that answers Publish as SNS does (query protocol, XML),
 * since no SNS emulator is installed on this machine yet (moto is not in .venv). The channels'
 * secret is handed in as Secrets Manager would return it (readSecretString was run against moto 5.2.6
 * by hand; it is not part of this test).
 */
describe('alerts on AWS go through the local dispatcher', () => {
  let dir: string;
  let slack: HttpReceiver;
  let pagerduty: HttpReceiver;
  let sns: HttpReceiver;
  let handler: (event: unknown) => Promise<void>;
  let report: ValidationReport;
  const saved = { ...process.env };

  before(async () => {
    dir = await tempDir('aws-alerts');
    slack = await startHttpReceiver(() => ({ status: 200, body: 'ok', type: 'text/plain' }));
    pagerduty = await startHttpReceiver(() => ({ status: 202, body: '{"status":"success"}' }));
    sns = await startHttpReceiver(() => ({ status: 200, body: SNS_PUBLISHED, type: 'text/xml' }));
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SNS: sns.url,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    });
    // A real job's report, for the SUCCEEDED status to be rated on.
    const run = await generateAndRunLocally(dir, 'claims.csv', { seed: 51, runDate: RUN_DATE, defectRate: 0.04 });
    report = JSON.parse(
      await readFile(join(run.localRoot, 'validation-reports', `${run.local.job_id}.json`), 'utf8'),
    ) as ValidationReport;
    const store = new LocalObjectStore(run.localRoot);
    const env = parseLambdaEnv({
      ...lambdaEnvVars(BUCKETS),
      ALERT_TOPIC_ARN: ALERT_TOPIC,
      ALERT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:claimflow-dev-alerts',
    });
    const deps = createAwsHandlerDeps(
      { store, bus: new QueuedBus(), ledger: new SqliteLedger(':memory:') },
      {
        refdataPrefix: 'refdata/',
        localRoot: join(dir, 'lambda'),
        memoryMb: 512,
        logger: createLogger(false, { write: () => true }),
      },
    );
    const container = (): LambdaContainer => ({
      env,
      store: new S3ObjectStore(new S3Client({ region: 'us-east-1' }), BUCKETS, join(dir, 'scratch')),
      deps,
      dlq: new StoreDeadLetterQueue(store),
    });
    const secret = JSON.stringify({
      slack_webhook_url: `${slack.url}/hook`,
      pagerduty_routing_key: 'R0UT1NGKEY',
      pagerduty_url: `${pagerduty.url}/v2/enqueue`,
    });
    handler = createErrorHandler(container, (e, logger) => openAwsAlerts(e, logger, async () => secret));
  });
  after(async () => {
    process.env = saved;
    await Promise.all([slack?.close(), pagerduty?.close(), sns?.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  const reset = () => {
    for (const r of [slack, pagerduty, sns]) r.requests.length = 0;
  };
  const snsSeverity = (): string | null => {
    const [publish] = sns.requests;
    if (!publish) return null;
    const form = new URLSearchParams(publish.body);
    assert.equal(form.get('Action'), 'Publish');
    assert.equal(form.get('TopicArn'), ALERT_TOPIC);
    assert.equal(form.get('MessageAttributes.entry.1.Name'), 'severity');
    return form.get('MessageAttributes.entry.1.Value.StringValue');
  };

  it('a system error: critical, to SNS (SMS and e-mail), Slack and PagerDuty once each', async () => {
    reset();
    const event = {
      event_type: 'error',
      error_message: 'etl failed after 1 attempt(s): disk full; dead-lettered as claims-etl-20260131-120000-0001-etl',
      error_type: 'system',
      context: { function_name: 'etl', file: 'feed.csv', job_id: 'claims-etl-20260131-120000-0001' },
      timestamp: '2026-01-31T12:00:00Z',
    };
    await handler(snsEvent(TOPICS.errors, event));
    assert.equal(snsSeverity(), 'critical');
    assert.equal(sns.requests.length, 1);
    assert.equal(slack.requests.length, 1);
    assert.match(JSON.parse(slack.requests[0]?.body ?? '{}').text, /^\[CRITICAL\] Pipeline failure in etl/);
    assert.equal(pagerduty.requests.length, 1);
    assert.equal(pagerduty.requests[0]?.path, '/v2/enqueue');
    const page = JSON.parse(pagerduty.requests[0]?.body ?? '{}');
    assert.equal(page.routing_key, 'R0UT1NGKEY');
    assert.equal(page.payload.severity, 'critical');
    assert.equal(page.dedup_key, 'claimflow/claims-etl-20260131-120000-0001/pipeline_failure');
  });

  it('a transient error whose retries ran out: high, to SNS and Slack, not PagerDuty', async () => {
    reset();
    const event = {
      event_type: 'error',
      error_message: 'etl failed after 3 attempt(s): throttled; dead-lettered as claims-etl-20260131-120000-0002-etl',
      error_type: 'transient',
      context: { function_name: 'etl', file: 'feed.csv', job_id: 'claims-etl-20260131-120000-0002' },
      timestamp: '2026-01-31T12:00:00Z',
    };
    await handler(snsEvent(TOPICS.errors, event));
    assert.equal(snsSeverity(), 'high');
    assert.equal(slack.requests.length, 1);
    assert.equal(pagerduty.requests.length, 0);
  });

  it('a job that succeeded: rated on its report as the docs say, to SNS and Slack', async () => {
    reset();
    const { total_records, error_records } = report.summary;
    // docs/alerts.md: error rate over 5% is high, quality under 90 medium, else low.
    const expected =
      error_records / total_records > 0.05 ? 'high' : (report.quality?.score ?? 100) < 90 ? 'medium' : 'low';
    const status = {
      event_type: 'job_status_update',
      job_id: report.job_id,
      status: 'SUCCEEDED',
      input_file: 'claims.csv',
      timestamp: '2026-01-31T12:00:00Z',
    };
    await handler(snsEvent(TOPICS.events, status));
    assert.equal(snsSeverity(), expected);
    assert.equal(slack.requests.length, 1);
    assert.match(JSON.parse(slack.requests[0]?.body ?? '{}').text, new RegExp(`^\\[${expected.toUpperCase()}\\]`));
    assert.equal(pagerduty.requests.length, 0);
  });
});
