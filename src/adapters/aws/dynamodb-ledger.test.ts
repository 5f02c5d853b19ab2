import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createLedgerTable, type MotoServices, startMoto } from '../../../test/support/moto.ts';
import { TransientError } from '../../domain/errors.ts';
import type { JobRecord } from '../../pipeline/ledger.ts';
import { marshallItem } from './dynamodb-item.ts';
import { DynamoDbLedger } from './dynamodb-ledger.ts';

const TABLE = 'claimflow-ledger';
const SHA = 'a'.repeat(64);
const JOB = 'claims-etl-20250301-101500-0042';
const OTHER = 'claims-etl-20250301-090000-0007';
const AT = new Date('2025-03-01T10:15:00.000Z');

function cancelled(...codes: Array<string | { Code: string; Item: Record<string, AttributeValue> }>) {
  return new TransactionCanceledException({
    $metadata: { httpStatusCode: 400 },
    message: 'Transaction cancelled',
    CancellationReasons: codes.map((c) => (typeof c === 'string' ? { Code: c } : c)),
  });
}

function recordOf(jobId: string, status: JobRecord['status'], startedAt: string): JobRecord {
  const finished = status !== 'STARTED';
  return {
    job_id: jobId,
    input_key: `raw/claims/${jobId}.csv`,
    sha256: SHA,
    status,
    attempts: 1,
    started_at: startedAt,
    finished_at: finished ? '2025-03-02T00:00:00.000Z' : null,
    total_records: finished ? 10 : null,
    processed_records: finished ? 9 : null,
    quarantined_records: finished ? 1 : null,
    error: status === 'FAILED' ? 'system: boom' : null,
  };
}

const itemOf = (job: JobRecord) => ({ pk: { S: `JOB#${job.job_id}` }, ...marshallItem({ ...job }) });

describe('DynamoDbLedger', () => {
  const client = new DynamoDBClient({ region: 'us-east-1' });
  const ddb = mockClient(client);
  const ledger = new DynamoDbLedger(client, TABLE);

  beforeEach(() => {
    ddb.reset();
    ddb.on(TransactWriteItemsCommand).resolves({});
    ddb.on(UpdateItemCommand).resolves({});
  });

  describe('claimDelivery', () => {
    it('writes the content pointer and the STARTED job in one transaction that fails on a live content', async () => {
      assert.deepEqual(await ledger.claimDelivery(SHA, 'raw/claims/a b.csv', JOB, AT), { kind: 'new' });
      const calls = ddb.commandCalls(TransactWriteItemsCommand);
      assert.equal(calls.length, 1);
      assert.deepEqual(calls[0]?.args[0].input, {
        TransactItems: [
          {
            Put: {
              TableName: TABLE,
              Item: {
                pk: { S: `CONTENT#${SHA}` },
                job_id: { S: JOB },
                job_status: { S: 'STARTED' },
                updated_at: { S: '2025-03-01T10:15:00.000Z' },
              },
              ConditionExpression: 'attribute_not_exists(pk) OR job_status = :failed',
              ExpressionAttributeValues: { ':failed': { S: 'FAILED' } },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          {
            Put: {
              TableName: TABLE,
              Item: {
                pk: { S: `JOB#${JOB}` },
                job_id: { S: JOB },
                input_key: { S: 'raw/claims/a b.csv' },
                sha256: { S: SHA },
                status: { S: 'STARTED' },
                attempts: { N: '0' },
                started_at: { S: '2025-03-01T10:15:00.000Z' },
                finished_at: { NULL: true },
                total_records: { NULL: true },
                processed_records: { NULL: true },
                quarantined_records: { NULL: true },
                error: { NULL: true },
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ],
      });
    });

    it('answers duplicate with the job holding the content when the content condition fails', async () => {
      const holder = { pk: { S: `CONTENT#${SHA}` }, job_id: { S: OTHER }, job_status: { S: 'SUCCEEDED' } };
      ddb.on(TransactWriteItemsCommand).rejects(cancelled({ Code: 'ConditionalCheckFailed', Item: holder }, 'None'));
      assert.deepEqual(await ledger.claimDelivery(SHA, 'raw/claims/again.csv', JOB, AT), {
        kind: 'duplicate',
        job_id: OTHER,
      });
    });

    it('answers new when the content is held by this very job (a retried call whose first answer was lost)', async () => {
      const mine = { pk: { S: `CONTENT#${SHA}` }, job_id: { S: JOB }, job_status: { S: 'STARTED' } };
      ddb
        .on(TransactWriteItemsCommand)
        .rejects(cancelled({ Code: 'ConditionalCheckFailed', Item: mine }, 'ConditionalCheckFailed'));
      assert.deepEqual(await ledger.claimDelivery(SHA, 'raw/claims/a.csv', JOB, AT), { kind: 'new' });
    });

    it('raises TransientError on a transaction conflict, a job id taken, or throttling', async () => {
      const failures: Array<[Error, string]> = [
        [cancelled('None', 'TransactionConflict'), 'dynamodb claim delivery: TransactionConflict'],
        [cancelled('None', 'ConditionalCheckFailed'), `dynamodb claim delivery: job ${JOB} exists`],
        [
          new ProvisionedThroughputExceededException({ $metadata: { httpStatusCode: 400 }, message: 'slow' }),
          'dynamodb claim delivery: ProvisionedThroughputExceededException',
        ],
      ];
      for (const [failure, message] of failures) {
        ddb.on(TransactWriteItemsCommand).rejects(failure);
        await assert.rejects(ledger.claimDelivery(SHA, 'raw/claims/a.csv', JOB, AT), (error: unknown) => {
          assert.ok(error instanceof TransientError, message);
          assert.equal(error.message, message);
          assert.equal(error.cause, failure);
          return true;
        });
      }
    });

    it('lets any other cancellation through as it is', async () => {
      const failure = cancelled('ValidationError', 'None');
      ddb.on(TransactWriteItemsCommand).rejects(failure);
      await assert.rejects(
        ledger.claimDelivery(SHA, 'raw/claims/a.csv', JOB, AT),
        (error: unknown) => error === failure,
      );
    });
  });

  describe('recordAttempt', () => {
    it('adds one to attempts of an existing job only', async () => {
      await ledger.recordAttempt(JOB);
      assert.deepEqual(ddb.commandCalls(UpdateItemCommand)[0]?.args[0].input, {
        TableName: TABLE,
        Key: { pk: { S: `JOB#${JOB}` } },
        UpdateExpression: 'SET attempts = attempts + :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':one': { N: '1' } },
      });
    });

    it('ignores an unknown job, as the SQLite ledger does', async () => {
      ddb
        .on(UpdateItemCommand)
        .rejects(new ConditionalCheckFailedException({ $metadata: { httpStatusCode: 400 }, message: 'failed' }));
      await ledger.recordAttempt('claims-etl-20990101-000000-0000');
      assert.equal(ddb.commandCalls(UpdateItemCommand).length, 1);
    });
  });

  describe('finishJob', () => {
    const jobUpdate = {
      TableName: TABLE,
      Key: { pk: { S: `JOB#${JOB}` } },
      ConditionExpression: 'attribute_exists(pk)',
      UpdateExpression:
        'SET #status = :status, #finished_at = :finished_at, #total_records = :total_records, #processed_records = :processed_records, #quarantined_records = :quarantined_records, #error = :error',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#finished_at': 'finished_at',
        '#total_records': 'total_records',
        '#processed_records': 'processed_records',
        '#quarantined_records': 'quarantined_records',
        '#error': 'error',
      },
      ExpressionAttributeValues: {
        ':status': { S: 'FAILED' },
        ':finished_at': { S: '2025-03-01T11:00:00.000Z' },
        ':total_records': { N: '100' },
        ':processed_records': { NULL: true },
        ':quarantined_records': { NULL: true },
        ':error': { S: 'transient: s3 throttled' },
      },
    };
    const finish = () =>
      ledger.finishJob(JOB, 'FAILED', new Date('2025-03-01T11:00:00.000Z'), {
        total: 100,
        error: 'transient: s3 throttled',
      });

    beforeEach(() => {
      ddb.on(GetItemCommand).resolves({ Item: { sha256: { S: SHA } } });
    });

    it('reads the job content hash, then updates the job and its content status together', async () => {
      await finish();
      assert.deepEqual(ddb.commandCalls(GetItemCommand)[0]?.args[0].input, {
        TableName: TABLE,
        Key: { pk: { S: `JOB#${JOB}` } },
        ConsistentRead: true,
        ProjectionExpression: 'sha256',
      });
      const calls = ddb.commandCalls(TransactWriteItemsCommand);
      assert.equal(calls.length, 1);
      assert.deepEqual(calls[0]?.args[0].input, {
        TransactItems: [
          { Update: jobUpdate },
          {
            Update: {
              TableName: TABLE,
              Key: { pk: { S: `CONTENT#${SHA}` } },
              ConditionExpression: 'job_id = :job',
              UpdateExpression: 'SET #job_status = :job_status, #updated_at = :updated_at',
              ExpressionAttributeNames: { '#job_status': 'job_status', '#updated_at': 'updated_at' },
              ExpressionAttributeValues: {
                ':job_status': { S: 'FAILED' },
                ':updated_at': { S: '2025-03-01T11:00:00.000Z' },
                ':job': { S: JOB },
              },
            },
          },
        ],
      });
      assert.equal(ddb.commandCalls(UpdateItemCommand).length, 0);
    });

    it('finishes the job alone when a later job holds its content', async () => {
      ddb.on(TransactWriteItemsCommand).rejects(cancelled('None', 'ConditionalCheckFailed'));
      await finish();
      const updates = ddb.commandCalls(UpdateItemCommand);
      assert.equal(updates.length, 1);
      assert.deepEqual(updates[0]?.args[0].input, jobUpdate);
    });

    it('does nothing for an unknown job', async () => {
      ddb.on(GetItemCommand).resolves({});
      await finish();
      assert.equal(ddb.commandCalls(TransactWriteItemsCommand).length, 0);
      assert.equal(ddb.commandCalls(UpdateItemCommand).length, 0);
    });

    it('raises TransientError when the transaction conflicts', async () => {
      ddb.on(TransactWriteItemsCommand).rejects(cancelled('TransactionConflict', 'None'));
      await assert.rejects(finish(), TransientError);
      assert.equal(ddb.commandCalls(UpdateItemCommand).length, 0);
    });
  });

  describe('reading jobs', () => {
    const query = (status: string, forward: boolean, extra: Record<string, unknown> = {}) => ({
      TableName: TABLE,
      IndexName: 'status-index',
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': { S: status } },
      ScanIndexForward: forward,
      ...extra,
    });

    it('lists unfinished jobs oldest first from the status index, through every page', async () => {
      const first = recordOf('claims-etl-20250301-000000-0001', 'STARTED', '2025-03-01T00:00:00.000Z');
      const second = recordOf('claims-etl-20250302-000000-0002', 'STARTED', '2025-03-02T00:00:00.000Z');
      const next = { pk: { S: `JOB#${first.job_id}` } };
      ddb
        .on(QueryCommand)
        .resolvesOnce({ Items: [itemOf(first)], LastEvaluatedKey: next })
        .resolvesOnce({ Items: [itemOf(second)] });
      assert.deepEqual(await ledger.unfinishedJobs(), [first, second]);
      assert.deepEqual(
        ddb.commandCalls(QueryCommand).map((c) => c.args[0].input),
        [query('STARTED', true), query('STARTED', true, { ExclusiveStartKey: next })],
      );
    });

    it('lists the most recent jobs across statuses, newest first, at most `limit`', async () => {
      const started = recordOf('claims-etl-20250305-000000-0005', 'STARTED', '2025-03-05T00:00:00.000Z');
      const succeeded = [
        recordOf('claims-etl-20250304-000000-0004', 'SUCCEEDED', '2025-03-04T00:00:00.000Z'),
        recordOf('claims-etl-20250301-000000-0001', 'SUCCEEDED', '2025-03-01T00:00:00.000Z'),
      ];
      const failed = recordOf('claims-etl-20250303-000000-0003', 'FAILED', '2025-03-03T00:00:00.000Z');
      const pageKey = { pk: { S: 'JOB#x' } };
      ddb.on(QueryCommand, query('STARTED', false, { Limit: 3 })).resolves({ Items: [itemOf(started)] });
      ddb
        .on(QueryCommand, query('SUCCEEDED', false, { Limit: 3 }))
        .resolves({ Items: [itemOf(succeeded[0] as JobRecord)], LastEvaluatedKey: pageKey });
      ddb
        .on(QueryCommand, query('SUCCEEDED', false, { Limit: 2, ExclusiveStartKey: pageKey }))
        .resolves({ Items: [itemOf(succeeded[1] as JobRecord)] });
      ddb.on(QueryCommand, query('FAILED', false, { Limit: 3 })).resolves({ Items: [itemOf(failed)] });
      const jobs = await ledger.jobs(3);
      assert.deepEqual(
        jobs.map((j) => [j.job_id, j.status]),
        [
          [started.job_id, 'STARTED'],
          [succeeded[0]?.job_id, 'SUCCEEDED'],
          [failed.job_id, 'FAILED'],
        ],
      );
      assert.equal(ddb.commandCalls(QueryCommand).length, 4, 'a short page with more to read is followed');
      assert.deepEqual(await ledger.jobs(0), []);
    });

    it('reads one job with a consistent read', async () => {
      const job = recordOf(JOB, 'SUCCEEDED', '2025-03-01T10:15:00.000Z');
      ddb
        .on(GetItemCommand)
        .resolvesOnce({ Item: itemOf(job) })
        .resolves({});
      assert.deepEqual(await ledger.job(JOB), job);
      assert.deepEqual(ddb.commandCalls(GetItemCommand)[0]?.args[0].input, {
        TableName: TABLE,
        Key: { pk: { S: `JOB#${JOB}` } },
        ConsistentRead: true,
      });
      assert.equal(await ledger.job('claims-etl-20990101-000000-0000'), undefined);
    });
  });
});

/**
 * The same ledger against DynamoDB as moto answers it: its transactions, condition expressions and
 * the status index are evaluated by the service, not checked as the requests the code sends.
 */
describe('DynamoDbLedger on DynamoDB (moto on loopback)', () => {
  let moto: MotoServices | undefined;
  let ledger: DynamoDbLedger;
  const at = (second: number) => new Date(`2026-01-31T10:00:${String(second).padStart(2, '0')}Z`);

  before(async () => {
    moto = await startMoto();
    await createLedgerTable(moto.dynamodb, 'ledger');
    ledger = new DynamoDbLedger(moto.dynamodb, 'ledger');
  });

  after(async () => {
    await moto?.stop();
  });

  it('claims new content once, answers duplicate while its job runs and after it succeeded, and new after it failed', async () => {
    assert.deepEqual(await ledger.claimDelivery('aa', 'raw/claims/a.csv', 'job-1', at(1)), { kind: 'new' });
    assert.deepEqual(await ledger.claimDelivery('aa', 'raw/claims/a2.csv', 'job-2', at(2)), {
      kind: 'duplicate',
      job_id: 'job-1',
    });
    assert.deepEqual(await ledger.claimDelivery('aa', 'raw/claims/a.csv', 'job-1', at(3)), { kind: 'new' });
    await ledger.recordAttempt('job-1');
    assert.deepEqual(
      (await ledger.unfinishedJobs()).map((j) => j.job_id),
      ['job-1'],
    );
    await ledger.finishJob('job-1', 'SUCCEEDED', at(4), { total: 10, processed: 9, quarantined: 1 });
    const job = await ledger.job('job-1');
    assert.deepEqual(
      [job?.status, job?.attempts, job?.processed_records, job?.quarantined_records, job?.finished_at],
      ['SUCCEEDED', 1, 9, 1, at(4).toISOString()],
    );
    assert.deepEqual(await ledger.claimDelivery('aa', 'raw/claims/a3.csv', 'job-3', at(5)), {
      kind: 'duplicate',
      job_id: 'job-1',
    });

    assert.deepEqual(await ledger.claimDelivery('bb', 'raw/claims/b.csv', 'job-4', at(6)), { kind: 'new' });
    await ledger.finishJob('job-4', 'FAILED', at(7), { error: 'system: boom' });
    assert.deepEqual(await ledger.claimDelivery('bb', 'raw/claims/b.csv', 'job-5', at(8)), { kind: 'new' });
    assert.deepEqual(
      (await ledger.unfinishedJobs()).map((j) => j.job_id),
      ['job-5'],
    );
    assert.deepEqual(
      (await ledger.jobs(10)).map((j) => [j.job_id, j.status]),
      [
        ['job-5', 'STARTED'],
        ['job-4', 'FAILED'],
        ['job-1', 'SUCCEEDED'],
      ],
    );
  });
});
