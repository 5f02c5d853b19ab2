import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LocalObjectStore } from '../../src/adapters/local-store/local-object-store.ts';
import { SqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.ts';
import { errorEvent, type HandlerDeps } from '../../src/pipeline/handlers/handler-deps.ts';
import { handleS3EventTrigger } from '../../src/pipeline/handlers/s3-event-trigger.ts';
import { requestedKey, validationRequestSchema } from '../../src/pipeline/handlers/validate-object.ts';
import { createJobIdSource } from '../../src/pipeline/job-id.ts';
import { TOPICS } from '../../src/pipeline/messages.ts';
import { QueuedBus } from '../support/aws-lambda-harness.ts';
import { tempDir } from '../support/cli.ts';
import {
  AWS_EXAMPLE_EVENT,
  CONTRACTS,
  type ContractName,
  DESIGN_CONTRACT_LINES,
  fieldsOfLine,
  VALIDATION_INPUT_EXAMPLE,
} from '../support/design-contracts.ts';
import { SHARED_DIR } from '../support/shared.ts';

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

  it('holds the contracts as DESIGN.md prints them, verbatim, field for field both ways', async () => {
    const design = await readFile(join(SHARED_DIR, 'DESIGN.md'), 'utf8');
    const section = design.slice(design.indexOf('## Message contracts'), design.indexOf('## Data layout'));
    for (const [name, line] of Object.entries(DESIGN_CONTRACT_LINES) as Array<[ContractName, string]>) {
      assert.ok(section.includes(`- ${name}: \`${line}\``), `DESIGN.md prints the ${name} as the fixture holds it`);
      const printed = fieldsOfLine(line);
      assert.ok(printed.length >= 4, `${name}: ${printed.join(', ')}`);
      const shape = CONTRACTS[name].shape as Record<string, { shape?: Record<string, unknown> }>;
      const schemaFields = Object.entries(shape).flatMap(([field, s]) => [field, ...Object.keys(s.shape ?? {})]);
      // Our one addition: an error's context may name its job.
      const ours = name === 'Error' ? ['job_id'] : [];
      assert.deepEqual([...schemaFields].sort(), [...printed, ...ours].sort(), name);
    }
  });

  it('takes the validation input {"bucket", "key"} for an object of its inbox, and no other bucket', () => {
    const request = validationRequestSchema.parse(VALIDATION_INPUT_EXAMPLE);
    const stackOf = (bucket: string) => (key: string) => `s3://${bucket}/${key}`;
    assert.equal(requestedKey(request, stackOf(VALIDATION_INPUT_EXAMPLE.bucket)), VALIDATION_INPUT_EXAMPLE.key);
    assert.throws(() => requestedKey(request, stackOf('claimflow-dev-input')), /not this stack's input bucket/);
    assert.throws(() => validationRequestSchema.parse({ bucket: VALIDATION_INPUT_EXAMPLE.bucket }), /key/);
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
