import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { LocalObjectStore } from '../../src/adapters/local-store/local-object-store.ts';
import { SqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.ts';
import { errorEvent, type HandlerDeps } from '../../src/pipeline/handlers/handler-deps.ts';
import { handleS3EventTrigger } from '../../src/pipeline/handlers/s3-event-trigger.ts';
import { createJobIdSource } from '../../src/pipeline/job-id.ts';
import { TOPICS } from '../../src/pipeline/messages.ts';
import { QueuedBus } from '../support/aws-lambda-harness.ts';
import { tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';

/** The contracts as DESIGN.md prints them ("Message contracts"), strict: no field more or less. */
const SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const JOB_ID = /^claims-etl-\d{8}-\d{6}-\d{4}$/;
const S3_URI = /^s3:\/\/[a-z0-9.-]+\/.+$/;
const CONTRACTS = {
  'Trigger response': z
    .object({
      statusCode: z.literal(200),
      body: z
        .object({
          message: z.string().regex(/^Successfully processed \d+ files$/),
          jobs_started: z.array(z.string().regex(JOB_ID)),
          timestamp: z.string().regex(SECONDS),
        })
        .strict(),
    })
    .strict(),
  'Job status': z
    .object({
      event_type: z.literal('job_status_update'),
      job_id: z.string().regex(JOB_ID),
      status: z.enum(['STARTED', 'SUCCEEDED', 'FAILED']),
      input_file: z.string().regex(S3_URI),
      timestamp: z.string().regex(SECONDS),
    })
    .strict(),
  Error: z
    .object({
      event_type: z.literal('error'),
      error_message: z.string(),
      error_type: z.enum(['transient', 'data_quality', 'system']),
      context: z.object({ function_name: z.string(), file: z.string(), job_id: z.string().optional() }).strict(),
      timestamp: z.string().regex(SECONDS),
    })
    .strict(),
};

/** AWS's example S3 event notification (S3 User Guide, "Event message structure"), literally. */
const AWS_EXAMPLE_EVENT = {
  Records: [
    {
      eventVersion: '2.1',
      eventSource: 'aws:s3',
      awsRegion: 'us-west-2',
      eventTime: '1970-01-01T00:00:00.000Z',
      eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AIDAJDPLRKLG7UEXAMPLE' },
      requestParameters: { sourceIPAddress: '127.0.0.1' },
      responseElements: {
        'x-amz-request-id': 'C3D13FE58DE4C810',
        'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
      },
      s3: {
        s3SchemaVersion: '1.0',
        configurationId: 'testConfigRule',
        bucket: { name: 'mybucket', ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: 'arn:aws:s3:::mybucket' },
        object: {
          key: 'HappyFace.jpg',
          size: 1024,
          eTag: 'd41d8cd98f00b204e9800998ecf8427e',
          versionId: '096fKKXTRTtl3on89fVO.nfljtsv6qko',
          sequencer: '0055AED6DCD90281E5',
        },
      },
    },
  ],
};

/**
 * The messages the handlers emit on AWS hold to DESIGN.md's contracts: whole-second UTC timestamps,
 * `input_file` as `s3://bucket/key`, the trigger accepting S3's own example events. The handlers run
 * with the AWS wiring's `inputFileOf` (the object's S3 location) over real local parts.
 */
describe('message contracts', () => {
  let dir: string;
  let ledger: SqliteLedger;
  let bus: QueuedBus;
  let deps: HandlerDeps;

  before(async () => {
    dir = await tempDir('contracts');
    ledger = new SqliteLedger(':memory:');
    bus = new QueuedBus();
    deps = {
      store: new LocalObjectStore(dir),
      bus,
      ledger,
      clock: { now: () => new Date('2026-01-31T12:34:56.789Z') },
      logger: { info: () => {}, warn: () => {} },
      nextJobId: createJobIdSource(1),
      inputFileOf: (key: string) => `s3://claimflow-prod-input-123456789012-us-east-1/${key}`,
    } as unknown as HandlerDeps;
  });
  after(async () => {
    ledger.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('checks the contracts DESIGN.md lists, field for field', async () => {
    const design = await readFile(join(SHARED_DIR, 'DESIGN.md'), 'utf8');
    const section = design.slice(design.indexOf('## Message contracts'), design.indexOf('## Data layout'));
    for (const [name, schema] of Object.entries(CONTRACTS)) {
      const line = section.split('\n- ').find((l) => l.startsWith(`${name}:`));
      assert.ok(line, `DESIGN.md prints the ${name}`);
      const fields = [...line.slice(name.length + 1).matchAll(/[{,]\s*([A-Za-z_]+)(?=\s*[:,}])/g)].map(([, f]) => f);
      const shape = schema.shape as Record<string, unknown>;
      const nested = Object.values(shape).flatMap((s) => Object.keys((s as { shape?: object }).shape ?? {}));
      assert.ok(fields.length >= 4, `${name}: ${fields.join(', ')}`);
      for (const field of fields)
        assert.ok(field !== undefined && (field in shape || nested.includes(field)), `${name}: ${field}`);
    }
  });

  it("accepts S3's literal example event: parsed, and its object outside the inbox ignored", async () => {
    bus.queue.length = 0;
    const response = await handleS3EventTrigger(AWS_EXAMPLE_EVENT, deps);
    CONTRACTS['Trigger response'].parse(response);
    assert.equal(response.body.message, 'Successfully processed 0 files');
    assert.equal(bus.queue.length, 0);
  });

  it('starts a job for the example event of a claim file, and for the minimal event with neither name nor identity', async () => {
    bus.queue.length = 0;
    const [record] = AWS_EXAMPLE_EVENT.Records;
    const claimEvent = {
      Records: [
        { ...record, s3: { ...record?.s3, object: { ...record?.s3.object, key: 'raw/claims/claims_20240115.csv' } } },
      ],
    };
    const response = await handleS3EventTrigger(claimEvent, deps);
    CONTRACTS['Trigger response'].parse(response);
    assert.deepEqual(response.body, {
      message: 'Successfully processed 1 files',
      jobs_started: response.body.jobs_started,
      timestamp: '2026-01-31T12:34:56Z',
    });
    const started = bus.queue.find((m) => m.topic === TOPICS.events)?.message;
    assert.deepEqual(CONTRACTS['Job status'].parse(started), {
      event_type: 'job_status_update',
      job_id: response.body.jobs_started[0],
      status: 'STARTED',
      input_file: 's3://claimflow-prod-input-123456789012-us-east-1/raw/claims/claims_20240115.csv',
      timestamp: '2026-01-31T12:34:56Z',
    });
    // An event as a hand-written example prints it: the bucket and the key, nothing else.
    await deps.store.writeText('raw/claims/minimal.csv', 'claim_id\n1\n');
    const minimal = await handleS3EventTrigger(
      { Records: [{ s3: { bucket: { name: 'claims-input' }, object: { key: 'raw/claims/minimal.csv' } } }] },
      deps,
    );
    assert.equal(minimal.body.message, 'Successfully processed 1 files');
  });

  it('makes error events as the contract prints them', () => {
    const event = errorEvent(deps, {
      error_message: 'etl failed after 1 attempt(s): disk full',
      error_type: 'system',
      function_name: 'etl',
      file: 'claims_20240115.csv',
      job_id: 'claims-etl-20260131-123456-0001',
    });
    assert.equal(CONTRACTS.Error.parse(event).timestamp, '2026-01-31T12:34:56Z');
  });
});
