import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type Update,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import { TransientError } from '../../domain/errors.ts';
import type { DeliveryClaim, JobRecord, Ledger } from '../../pipeline/ledger.ts';
import type { JobStatus } from '../../pipeline/messages.ts';
import { callAws } from './aws-error.ts';
import { type Item, marshallItem, marshallValue, setExpression, unmarshallItem } from './dynamodb-item.ts';

const STATUS_INDEX = 'status-index';
const JOB_STATUSES = ['STARTED', 'SUCCEEDED', 'FAILED'] as const satisfies readonly JobStatus[];

const jobItemSchema = z.object({
  job_id: z.string(),
  input_key: z.string(),
  sha256: z.string(),
  status: z.enum(JOB_STATUSES),
  attempts: z.number(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
  total_records: z.number().nullable(),
  processed_records: z.number().nullable(),
  quarantined_records: z.number().nullable(),
  error: z.string().nullable(),
});

/** Cancellation reasons of a transaction that may go through when tried again. */
const TRANSIENT_CANCELLATIONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

const jobKey = (jobId: string): Item => ({ pk: { S: `JOB#${jobId}` } });
const contentKey = (sha256: string): Item => ({ pk: { S: `CONTENT#${sha256}` } });

/**
 * The ledger on DynamoDB (table: partition key `pk`, GSI `status-index` on `status` + `started_at`).
 *
 * - `JOB#<job_id>`: the JobRecord fields; its `status` and `started_at` put it in the GSI.
 * - `CONTENT#<sha256>`: the job holding that content and that job's status as `job_status` (not
 *   `status`, so it stays out of the GSI). A delivery is claimed by writing both items in one
 *   transaction, on condition that no content item exists or its job FAILED; finishing a job
 *   updates both, so a failed job lets the same content be processed again.
 *
 * The GSI is eventually consistent: `unfinishedJobs` and `jobs` may miss a job started a moment ago.
 */
export class DynamoDbLedger implements Ledger {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claimDelivery(sha256: string, key: string, jobId: string, at: Date): Promise<DeliveryClaim> {
    const startedAt = at.toISOString();
    const command = new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...contentKey(sha256),
              ...marshallItem({ job_id: jobId, job_status: 'STARTED', updated_at: startedAt }),
            },
            ConditionExpression: 'attribute_not_exists(pk) OR job_status = :failed',
            ExpressionAttributeValues: { ':failed': { S: 'FAILED' } },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...jobKey(jobId),
              ...marshallItem({
                job_id: jobId,
                input_key: key,
                sha256,
                status: 'STARTED',
                attempts: 0,
                started_at: startedAt,
                finished_at: null,
                total_records: null,
                processed_records: null,
                quarantined_records: null,
                error: null,
              }),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ],
    });
    try {
      await callAws('dynamodb claim delivery', () => this.client.send(command));
      return { kind: 'new' };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [content, job] = error.CancellationReasons ?? [];
      if (content?.Code === 'ConditionalCheckFailed') {
        const holder = content.Item?.job_id?.S;
        // Our own claim, committed by an earlier try whose answer was lost.
        if (holder === jobId) return { kind: 'new' };
        if (holder) return { kind: 'duplicate', job_id: holder };
      }
      throwIfTransient(error, 'dynamodb claim delivery');
      // Two functions made the same job id in the same second: a retry makes a new one.
      if (job?.Code === 'ConditionalCheckFailed')
        throw new TransientError(`dynamodb claim delivery: job ${jobId} exists`, { cause: error });
      throw error;
    }
  }

  async recordAttempt(jobId: string): Promise<void> {
    const command = new UpdateItemCommand({
      TableName: this.tableName,
      Key: jobKey(jobId),
      UpdateExpression: 'SET attempts = attempts + :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': { N: '1' } },
    });
    try {
      await callAws('dynamodb record attempt', () => this.client.send(command));
    } catch (error) {
      // An unknown job has no attempts to count (as in the SQLite ledger); no item is made up for it.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async finishJob(
    jobId: string,
    status: Exclude<JobStatus, 'STARTED'>,
    at: Date,
    details: { total?: number; processed?: number; quarantined?: number; error?: string },
  ): Promise<void> {
    const read = new GetItemCommand({
      TableName: this.tableName,
      Key: jobKey(jobId),
      ConsistentRead: true,
      ProjectionExpression: 'sha256',
    });
    const sha256 = (await callAws('dynamodb read job', () => this.client.send(read))).Item?.sha256?.S;
    if (sha256 === undefined) return;
    const finishedAt = at.toISOString();
    const jobUpdate: Update = {
      TableName: this.tableName,
      Key: jobKey(jobId),
      ConditionExpression: 'attribute_exists(pk)',
      ...setExpression({
        status,
        finished_at: finishedAt,
        total_records: details.total ?? null,
        processed_records: details.processed ?? null,
        quarantined_records: details.quarantined ?? null,
        error: details.error ?? null,
      }),
    };
    const contentUpdate: Update = {
      TableName: this.tableName,
      Key: contentKey(sha256),
      ConditionExpression: 'job_id = :job',
      ...setExpression({ job_status: status, updated_at: finishedAt }, { ':job': { S: jobId } }),
    };
    const both = new TransactWriteItemsCommand({ TransactItems: [{ Update: jobUpdate }, { Update: contentUpdate }] });
    try {
      await callAws('dynamodb finish job', () => this.client.send(both));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      throwIfTransient(error, 'dynamodb finish job');
      const [job, content] = error.CancellationReasons ?? [];
      if (job?.Code === 'ConditionalCheckFailed') return;
      if (content?.Code !== 'ConditionalCheckFailed') throw error;
      // A later delivery of the same content holds it now: this job's record alone is finished.
      await callAws('dynamodb finish job', () => this.client.send(new UpdateItemCommand(jobUpdate)));
    }
  }

  async unfinishedJobs(): Promise<JobRecord[]> {
    return this.queryStatus('STARTED', { newestFirst: false });
  }

  async job(jobId: string): Promise<JobRecord | undefined> {
    const command = new GetItemCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true });
    const { Item } = await callAws('dynamodb read job', () => this.client.send(command));
    return Item ? jobOf(Item) : undefined;
  }

  /** The `limit` most recently started jobs, whatever their status. */
  async jobs(limit: number): Promise<JobRecord[]> {
    if (limit < 1) return [];
    const byStatus = await Promise.all(JOB_STATUSES.map((s) => this.queryStatus(s, { newestFirst: true, limit })));
    return byStatus
      .flat()
      .sort((a, b) => b.started_at.localeCompare(a.started_at) || b.job_id.localeCompare(a.job_id))
      .slice(0, limit);
  }

  /** The client belongs to the caller. */
  close(): void {}

  /** Jobs of one status in `started_at` order, through every page (or until `limit`). */
  private async queryStatus(
    status: JobStatus,
    { newestFirst, limit }: { newestFirst: boolean; limit?: number },
  ): Promise<JobRecord[]> {
    const jobs: JobRecord[] = [];
    let start: Item | undefined;
    do {
      const command = new QueryCommand({
        TableName: this.tableName,
        IndexName: STATUS_INDEX,
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': marshallValue(status) },
        ScanIndexForward: !newestFirst,
        ...(limit === undefined ? {} : { Limit: limit - jobs.length }),
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      const page = await callAws('dynamodb query jobs', () => this.client.send(command));
      jobs.push(...(page.Items ?? []).map(jobOf));
      start = page.LastEvaluatedKey;
    } while (start && (limit === undefined || jobs.length < limit));
    return jobs;
  }
}

function jobOf(item: Item): JobRecord {
  return jobItemSchema.parse(unmarshallItem(item));
}

function throwIfTransient(error: TransactionCanceledException, operation: string): void {
  const reasons = (error.CancellationReasons ?? []).map((r) => r.Code ?? 'None');
  const transient = reasons.find((code) => TRANSIENT_CANCELLATIONS.has(code));
  if (transient) throw new TransientError(`${operation}: ${transient}`, { cause: error });
}
