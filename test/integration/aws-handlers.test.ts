import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type AwsHandlerDeps,
  createAwsHandlerDeps,
  type LambdaContainer,
} from '../../src/adapters/aws/aws-handler-deps.ts';
import { DynamoDbLedger } from '../../src/adapters/aws/dynamodb-ledger.ts';
import { createErrorHandler } from '../../src/adapters/aws/lambda/error-handler.ts';
import { createEtlHandler } from '../../src/adapters/aws/lambda/etl.ts';
import { createPostProcessingHandler } from '../../src/adapters/aws/lambda/post-processing.ts';
import { createTriggerHandler } from '../../src/adapters/aws/lambda/trigger.ts';
import { createValidationHandler } from '../../src/adapters/aws/lambda/validation.ts';
import { type LambdaEnv, parseLambdaEnv } from '../../src/adapters/aws/lambda-env.ts';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { createLogger } from '../../src/adapters/logging/json-logger.ts';
import { TOPICS, type Topic, type TriggerResponse } from '../../src/pipeline/messages.ts';
import {
  BUCKETS,
  filesUnder,
  generateAndRunLocally,
  type LocalRun,
  lambdaEnvVars,
  QueuedBus,
  RUN_DATE,
  sha256,
  snsEvent,
  sortedRows,
  uploadRefdata,
} from '../support/aws-lambda-harness.ts';
import { claimflow, lit, sql, tempDir } from '../support/cli.ts';
import { CONTRACTS } from '../support/design-contracts.ts';
import {
  createBuckets,
  createLedgerTable,
  decodedKey,
  type MotoServices,
  notifyToQueue,
  receiveAll,
  startMoto,
} from '../support/moto.ts';
import { SHARED_DIR } from '../support/shared.ts';

const envVars = lambdaEnvVars(BUCKETS);

/** An S3 notification as AWS sends it: the key URL-encoded, with '+' for spaces. */
function awsS3Event(key: string, size: number) {
  const encoded = encodeURIComponent(key).replaceAll('%2F', '/').replaceAll('%20', '+');
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        eventTime: new Date().toISOString(),
        s3: { bucket: { name: BUCKETS.input }, object: { key: encoded, size } },
      },
    ],
  };
}

interface Delivery extends LocalRun {
  readonly key: string;
}

/**
 * The Lambda entry points against moto on loopback (S3 with its event notifications, the DynamoDB
 * ledger); the SNS topics are an in-process queue delivering in order (SNS delivery itself runs in
 * aws-emulator.test.ts). Glue's client is mocked at its boundary: moto's Glue runs nothing.
 */
describe('Lambda entry points wired to moto', () => {
  let moto: MotoServices;
  let eventQueue: string;
  const s3Events: unknown[] = [];
  let dir: string;
  let env: LambdaEnv;
  let store: S3ObjectStore;
  let deps: AwsHandlerDeps;
  let ledger: DynamoDbLedger;
  const bus = new QueuedBus();
  const logs: string[] = [];
  const deliveries = new Map<string, Delivery>();
  // moto's Glue runs nothing: its client is mocked, the plan lands in moto's S3.
  const glue = new GlueClient({ region: 'us-east-1' });
  const glueMock = mockClient(glue);
  let entry: {
    trigger: (event: unknown) => Promise<TriggerResponse>;
    validation: ReturnType<typeof createValidationHandler>;
    byTopic: Partial<Record<Topic, (event: unknown) => Promise<unknown>>>;
  };

  const drain = (): Promise<void> =>
    bus.drain(async (topic, message) => {
      await entry.byTopic[topic]?.(snsEvent(topic, message));
    });

  /** A generated claim file to deliver at `key`, and what `claimflow run` made of it locally. */
  async function generate(name: string, seed: number, key: string): Promise<Delivery> {
    return { key, ...(await generateAndRunLocally(dir, name, { seed, runDate: RUN_DATE, defectRate: 0.04 })) };
  }

  async function upload(file: string, key: string): Promise<number> {
    const body = await readFile(file);
    await moto.s3.send(new PutObjectCommand({ Bucket: BUCKETS.input, Key: key, Body: body }));
    return body.length;
  }

  /** The `nth` ObjectCreated event S3 (moto) sent for `key`, as it sent it (the key URL-encoded, + for spaces). */
  async function s3EventFor(key: string, nth = 1): Promise<unknown> {
    type Notification = { Records?: Array<{ eventName: string; s3: { object: { key: string } } }> };
    for (let waited = 0; waited < 5000; waited += 50) {
      s3Events.push(...(await receiveAll(moto.sqs, eventQueue)));
      const event = s3Events.filter((e) => {
        const [record] = (e as Notification).Records ?? [];
        return record?.eventName.startsWith('ObjectCreated:') && decodedKey(record.s3.object.key) === key;
      })[nth - 1];
      if (event) return event;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`S3 sent no event for ${key}`);
  }

  before(async () => {
    dir = await tempDir('aws-handlers');
    moto = await startMoto();
    await createBuckets(moto.s3, [BUCKETS.input, BUCKETS.output]);
    eventQueue = await notifyToQueue(moto, BUCKETS.input, 'raw/claims/');
    env = parseLambdaEnv(envVars);
    // The reference lists, where the functions find them.
    await uploadRefdata(moto.s3, BUCKETS.output, env.REFDATA_PREFIX, join(SHARED_DIR, 'refdata'));
    store = new S3ObjectStore(moto.s3, BUCKETS, join(dir, 'lambda-tmp', 'scratch'));
    await createLedgerTable(moto.dynamodb, env.LEDGER_TABLE);
    ledger = new DynamoDbLedger(moto.dynamodb, env.LEDGER_TABLE);
    deps = createAwsHandlerDeps(
      { store, bus, ledger },
      {
        refdataPrefix: env.REFDATA_PREFIX,
        localRoot: join(dir, 'lambda-tmp'),
        memoryMb: 512,
        logger: createLogger(true, { write: (line: string) => logs.push(line) > 0 }),
        clock: { now: () => new Date(`${RUN_DATE}T12:00:00Z`) },
      },
    );
    const container = (): LambdaContainer => ({ env, store, deps });
    const validation = createValidationHandler(container);
    entry = {
      trigger: createTriggerHandler(container),
      validation,
      byTopic: {
        [TOPICS.validate]: validation,
        [TOPICS.etl]: createEtlHandler(container, glue),
        [TOPICS.postProcess]: createPostProcessingHandler(container),
        [TOPICS.errors]: createErrorHandler(container),
      },
    };
    deliveries.set('s3', await generate('claims-a.csv', 21, 'raw/claims/acme feed é 2025-10.csv'));
    deliveries.set('aws', await generate('claims-b.csv', 22, 'raw/claims/acme feed+2025 ü.csv'));
    deliveries.set('corrected', await generate('claims-a-corrected.csv', 23, 'raw/claims/acme feed é 2025-10.csv'));
  });

  after(async () => {
    glueMock.restore();
    deps?.close();
    await moto?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Everything one job published to the output bucket, checked against the local run of the same file. */
  async function assertProcessedLikeLocally(jobId: string, delivery: Delivery): Promise<void> {
    const quarantined = delivery.expected.filter((e) => e.outcome === 'quarantine').length;
    const report = JSON.parse(await store.readText(`validation-reports/${jobId}.json`));
    assert.equal(report.validation_status, 'success');
    assert.equal(report.report_location, `s3://${BUCKETS.output}/validation-reports/${jobId}.json`);
    assert.deepEqual(report.summary, {
      total_records: 3000,
      valid_records: 3000 - quarantined,
      error_records: quarantined,
    });
    assert.deepEqual(report.summary, delivery.local.validation?.summary);
    // The validation_output event carries the contract's fields (and the envelope of the job's events).
    const output = bus.delivered.find(
      (d) => d.message.job_id === jobId && d.message.event_type === 'validation_output',
    );
    const { validation_status, report_location, summary } = output?.message ?? {};
    assert.deepEqual(CONTRACTS['Validation output'].parse({ validation_status, report_location, summary }), {
      validation_status: 'success',
      report_location: report.report_location,
      summary: report.summary,
    });
    assert.deepEqual(report.skipped_rules, [], 'the reference lists were downloaded and loaded');
    assert.equal(report.processed_records, delivery.local.processed_records);

    const processedKeys: string[] = report.outputs.processed;
    assert.ok(processedKeys.length > 0);
    for (const key of processedKeys) assert.match(key, /^processed\/claims\/year=2025\/month=10\/[^/]+\.parquet$/);
    const scratch = `verify-${jobId}`;
    const processed = await Promise.all(processedKeys.map((k) => store.fetchLocal(k, scratch)));
    const rows = await sortedRows(processed);
    assert.equal(rows.length, delivery.local.processed_records);
    const localProcessed = (await filesUnder(join(delivery.localRoot, 'processed/claims'))).filter((p) =>
      p.endsWith('.parquet'),
    );
    assert.deepEqual(rows, await sortedRows(localProcessed), 'the same rows as the DuckDB plan run locally');
    const [lineage] = await sql(
      `SELECT COUNT(DISTINCT job_id) AS jobs, MIN(job_id) AS job, MIN(file_name) AS file FROM read_parquet([${processed.map(lit).join(', ')}])`,
    );
    assert.deepEqual(
      { jobs: Number(lineage?.jobs), job: lineage?.job, file: lineage?.file },
      { jobs: 1, job: jobId, file: delivery.key.split('/').pop() },
    );

    const quarantine = await store.fetchLocal(report.outputs.quarantine_rows, scratch);
    const quarantineRows = await sortedRows([quarantine]);
    assert.equal(quarantineRows.length, quarantined);
    assert.deepEqual(quarantineRows, await sortedRows(await filesUnder(join(delivery.localRoot, 'quarantine/rows'))));

    assert.equal(report.outputs.archive, `archive/${RUN_DATE}/${jobId}/${delivery.key.split('/').pop()}`);
    assert.equal(await store.hash(report.outputs.archive), sha256(await readFile(delivery.file)));
    assert.ok(
      (await store.list('validation-reports')).includes(`validation-reports/${jobId}.html`),
      'the HTML report too',
    );
    assert.equal((await store.list('raw/claims')).includes(delivery.key), false, 'the inbox copy is gone');
    await store.dropScratch(scratch);

    const job = await ledger.job(jobId);
    assert.equal(job?.status, 'SUCCEEDED');
    assert.equal(job?.input_key, delivery.key);
    assert.equal(job?.processed_records, delivery.local.processed_records);
    assert.equal(job?.quarantined_records, quarantined);
    const events = bus.delivered
      .filter((d) => d.message.job_id === jobId && d.topic === TOPICS.events)
      .map((d) => `${d.message.event_type}${d.message.status ? `:${d.message.status}` : ''}`);
    assert.deepEqual(events, ['job_status_update:STARTED', 'validation_output', 'job_status_update:SUCCEEDED']);
  }

  it("processes a file from S3's own event (key with spaces and unicode) like the local run", async () => {
    const delivery = deliveries.get('s3');
    assert.ok(delivery);
    await upload(delivery.file, delivery.key);
    const event = await s3EventFor(delivery.key);
    assert.equal((event as { Records: Array<{ eventName: string }> }).Records[0]?.eventName, 'ObjectCreated:Put');

    const response = await entry.trigger(event);

    assert.equal(response.body.message, 'Successfully processed 1 files');
    const [jobId] = response.body.jobs_started;
    assert.ok(jobId);
    await drain();
    assert.deepEqual(
      bus.delivered.filter((d) => d.message.job_id === jobId || d.message.key === delivery.key).map((d) => d.topic),
      [TOPICS.events, TOPICS.validate, TOPICS.etl, TOPICS.events, TOPICS.postProcess, TOPICS.events],
    );
    await assertProcessedLikeLocally(jobId, delivery);
  });

  it('processes a file from an event shaped as AWS sends it (URL-encoded key, + for spaces) like the local run', async () => {
    const delivery = deliveries.get('aws');
    assert.ok(delivery);
    const size = await upload(delivery.file, delivery.key);
    const event = awsS3Event(delivery.key, size);
    assert.equal(event.Records[0]?.s3.object.key, 'raw/claims/acme+feed%2B2025+%C3%BC.csv');

    const response = await entry.trigger(event);

    const [jobId] = response.body.jobs_started;
    assert.ok(jobId);
    await drain();
    await assertProcessedLikeLocally(jobId, delivery);
  });

  it('recomputes the month’s aggregations from both files’ published lines', async () => {
    const keys = await store.list('processed/aggregations');
    assert.ok(keys.includes('processed/aggregations/monthly_by_payer_claim_type/2025-10.parquet'), String(keys));
    const path = await store.fetchLocal('processed/aggregations/monthly_by_payer_claim_type/2025-10.parquet', 'agg');
    const [totals] = await sql(`SELECT SUM(line_count) AS lines FROM read_parquet(${lit(path)})`);
    const processed = ['s3', 'aws'].reduce((n, name) => n + (deliveries.get(name)?.local.processed_records ?? 0), 0);
    assert.equal(Number(totals?.lines), processed);
    await store.dropScratch('agg');
  });

  it('skips an S3 event delivered again (the same object version), without reading the object', async () => {
    const original = deliveries.get('s3');
    assert.ok(original);
    const event = (await s3EventFor(original.key)) as { Records: Array<{ s3: { object: object } }> };
    // The trigger keys the delivery on what the event says of the object (moto sends its ETag and sequencer).
    assert.match(JSON.stringify(event.Records[0]?.s3.object), /"eTag"/);

    const response = await entry.trigger(event);

    assert.deepEqual(response.body.jobs_started, []);
    await drain();
    const skipped = bus.delivered.at(-1)?.message;
    assert.equal(skipped?.event_type, 'delivery_skipped');
    // Messages on AWS name the object by its S3 location.
    assert.equal(skipped?.input_file, `s3://${BUCKETS.input}/${original.key}`);
  });

  it('replaces the rows of an earlier delivery when a corrected file arrives under the same key', async () => {
    const corrected = deliveries.get('corrected');
    const other = deliveries.get('aws');
    assert.ok(corrected && other);
    await upload(corrected.file, corrected.key);

    const response = await entry.trigger(await s3EventFor(corrected.key, 2));

    const [jobId] = response.body.jobs_started;
    assert.ok(jobId);
    await drain();
    await assertProcessedLikeLocally(jobId, corrected);
    const month = (await store.list('processed/claims/year=2025/month=10')).filter((k) => k.endsWith('.parquet'));
    const paths = await Promise.all(month.map((k) => store.fetchLocal(k, 'month')));
    const [lines] = await sql(`SELECT COUNT(*) AS n FROM read_parquet([${paths.map(lit).join(', ')}])`);
    assert.equal(
      Number(lines?.n),
      corrected.local.processed_records + other.local.processed_records,
      'the first version of the file left no rows behind',
    );
    const aggregate = await store.fetchLocal(
      'processed/aggregations/monthly_by_payer_claim_type/2025-10.parquet',
      'month',
    );
    const [totals] = await sql(`SELECT SUM(line_count) AS lines FROM read_parquet(${lit(aggregate)})`);
    assert.equal(Number(totals?.lines), Number(lines?.n));
    await store.dropScratch('month');
  });

  it('hands a file larger than DUCKDB_MAX_BYTES to Glue with its Spark plan, and runs nothing in the function', async () => {
    const file = join(dir, 'claims-large.csv');
    const generated = await claimflow(
      'generate',
      '--rows',
      '3000',
      '--out',
      file,
      '--seed',
      '24',
      '--month',
      '2025-10',
    );
    assert.equal(generated.code, 0, generated.stderr);
    const key = 'raw/claims/large feed.csv';
    const size = await upload(file, key);
    env = parseLambdaEnv({ ...envVars, DUCKDB_MAX_BYTES: String(size - 1) });
    glueMock.on(StartJobRunCommand).resolves({ JobRunId: 'jr_0123456789abcdef' });
    try {
      const response = await entry.trigger(await s3EventFor(key));
      const [jobId] = response.body.jobs_started;
      assert.ok(jobId);
      await drain();

      const runs = glueMock.commandCalls(StartJobRunCommand);
      assert.equal(runs.length, 1);
      const planLocation = `s3://${BUCKETS.output}/temp/${jobId}/plan.json`;
      assert.deepEqual(runs[0]?.args[0].input, {
        JobName: 'claimflow-dev-etl',
        Arguments: { '--plan': planLocation, '--job_id': jobId },
        // A small file over a lowered threshold: Glue's minimum of workers, not the environment's ceiling.
        WorkerType: 'G.1X',
        NumberOfWorkers: 2,
      });
      const plan = JSON.parse(await store.readText(`temp/${jobId}/plan.json`));
      assert.equal(plan.dialect, 'spark');
      assert.equal(plan.job_id, jobId);
      assert.equal(plan.input.path, `s3://${BUCKETS.input}/${key}`);
      assert.equal(plan.input.format, 'csv');
      assert.ok(Object.keys(plan.code_sets).length > 0, 'the reference lists, read in place by the engine');
      assert.ok(logs.some((line) => line.includes('"etl handed to glue"') && line.includes('jr_0123456789abcdef')));
      assert.deepEqual(
        bus.delivered.filter((d) => d.message.job_id === jobId).map((d) => d.topic),
        [TOPICS.events, TOPICS.validate, TOPICS.etl],
        'no validation output, no post-processing from the function',
      );
      assert.equal(
        (await store.list('validation-reports')).some((k) => k.includes(jobId)),
        false,
      );
      assert.equal((await ledger.job(jobId))?.status, 'STARTED', 'the Glue run finishes the job');
    } finally {
      env = parseLambdaEnv(envVars);
    }
  });

  it("answers the reference design's direct {bucket, key} with {validation_status, report_location, summary}, publishing nothing", async () => {
    const delivery = deliveries.get('aws');
    assert.ok(delivery);
    const key = 'raw/claims/direct/claims-b.csv';
    await upload(delivery.file, key);
    const outputs = async () => Promise.all(['processed/', 'archive/', 'quarantine/'].map((p) => store.list(p)));
    const before = { outputs: await outputs(), messages: bus.delivered.length };

    const answer = await entry.validation({ bucket: BUCKETS.input, key });

    // DESIGN.md's validation output, strictly: no field more or less (test/support/design-contracts.ts).
    CONTRACTS['Validation output'].parse(answer);
    assert.ok(answer);
    assert.equal(answer.validation_status, 'success');
    const location = new RegExp(`^s3://${BUCKETS.output}/validation-reports/(claims-etl-\\d{8}-\\d{6}-\\d{4})\\.json$`);
    const jobId = location.exec(answer.report_location)?.[1];
    assert.ok(jobId, answer.report_location);
    // The counts `claimflow run` gave the same file locally.
    assert.deepEqual(answer.summary, delivery.local.validation?.summary);
    const report = JSON.parse(await store.readText(`validation-reports/${jobId}.json`));
    assert.deepEqual([report.input_file, report.outputs.archive], ['claims-b.csv', null]);
    assert.deepEqual(await outputs(), before.outputs, 'nothing published, archived or quarantined');
    assert.equal(bus.delivered.length, before.messages, 'no message, no job');
    assert.equal(await ledger.job(jobId), undefined);
    assert.ok((await store.list('raw/claims/direct/')).includes(key), 'the object stays where it is');

    // Refused before anything is read: another bucket, a key outside the inbox, an unsafe key.
    const refusals: Array<[object, RegExp]> = [
      [{ bucket: 'someone-elses-bucket', key }, /not this stack's input bucket/],
      [{ bucket: BUCKETS.output, key: 'archive/2025-10-01/x.csv' }, /only claim files under raw\/claims\//],
      [{ bucket: BUCKETS.input, key: 'raw/claims/../secrets.csv' }, /'\.\.' path segment/],
    ];
    for (const [request, message] of refusals) {
      await assert.rejects(entry.validation(request), { name: 'ValidationRequestError', message });
    }
    await store.delete(key);
  });

  it('sent nothing to the error topic, and logged no claim value', async () => {
    assert.deepEqual(
      bus.delivered.filter((d) => d.topic === TOPICS.errors),
      [],
    );
    assert.ok(logs.some((line) => line.includes('"job succeeded"')));
    const delivery = deliveries.get('s3');
    assert.ok(delivery);
    const members = await sql(
      `SELECT DISTINCT member_id AS v FROM read_csv(${lit(delivery.file)}, all_varchar = true) WHERE length(member_id) > 4`,
    );
    assert.ok(members.length > 100);
    const text = logs.join('\n');
    for (const { v } of members) assert.equal(text.includes(String(v)), false, 'a member id in the logs');
  });
});
