import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TOPICS, type Topic } from '../../src/pipeline/messages.ts';
import type { EventBus } from '../../src/pipeline/ports.ts';
import { claimflow, type Expectation, lit, type RunJson, readExpectations, sql } from './cli.ts';
import { SHARED_DIR } from './shared.ts';

/** Per-run lineage: differs between any two runs of the same file by design. */
/** The buckets, run date and content hash the AWS handler tests share. */
export const BUCKETS = { input: 'claimflow-dev-input', output: 'claimflow-dev-output' };
export const RUN_DATE = '2026-01-31';
export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

export const RUN_LINEAGE = 'job_id, ingest_datetime, file_name';

/** The functions' environment as the CDK app sets it, for the given buckets. */
export function lambdaEnvVars(buckets: { input: string; output: string }): Record<string, string> {
  return {
    ENVIRONMENT: 'dev',
    SNS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:processing',
    ERROR_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:errors',
    GLUE_JOB_NAME: 'claimflow-dev-etl',
    INPUT_BUCKET: buckets.input,
    OUTPUT_BUCKET: buckets.output,
    LEDGER_TABLE: 'claimflow-dev-ledger',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/claimflow-dev-review',
  };
}

/** The SNS topics as an in-process queue, delivered in order to the subscribed entry points. */
export class QueuedBus implements EventBus {
  readonly queue: Array<{ topic: Topic; message: unknown }> = [];
  readonly delivered: Array<{ topic: Topic; message: Record<string, unknown> }> = [];

  async publish(topic: Topic, message: unknown): Promise<void> {
    this.queue.push({ topic, message });
  }

  /** Delivers queued messages in order, as SNS would, until none is left. */
  async drain(deliver: (topic: Topic, message: unknown) => Promise<void>): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      this.delivered.push({ topic: next.topic, message: next.message as Record<string, unknown> });
      await deliver(next.topic, next.message);
    }
  }
}

/** What Lambda hands a function subscribed to an SNS topic. */
export function snsEvent(topic: Topic, message: unknown) {
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        Sns: {
          Type: 'Notification',
          MessageId: randomUUID(),
          TopicArn: `arn:aws:sns:us-east-1:000000000000:${topic === TOPICS.errors ? 'errors' : 'processing'}`,
          Message: JSON.stringify(message),
          MessageAttributes: { topic: { Type: 'String', Value: topic } },
          Timestamp: new Date().toISOString(),
        },
      },
    ],
  };
}

export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Rows of Parquet files as sorted text, without the per-run lineage. */
export async function sortedRows(paths: readonly string[]): Promise<string[]> {
  const files = `[${paths.map(lit).join(', ')}]`;
  const rows = await sql(
    `SELECT t::VARCHAR AS row FROM (SELECT * EXCLUDE (${RUN_LINEAGE}) FROM read_parquet(${files}, hive_partitioning = false)) AS t ORDER BY row`,
  );
  return rows.map((r) => String(r.row));
}

/**
 * The rows of `paths` (every column but the run's lineage) as their count and an order-free digest
 * (the sum of each row's hash): what `sortedRows` compares, for outputs too large to hold as text.
 */
export async function digestOfRows(paths: readonly string[]): Promise<{ rows: number; digest: string }> {
  const files = `[${paths.map(lit).join(', ')}]`;
  const [result] = await sql(
    `SELECT count(*) AS rows, sum(hash(t::VARCHAR)::HUGEINT)::VARCHAR AS digest FROM (SELECT * EXCLUDE (${RUN_LINEAGE}) FROM read_parquet(${files}, hive_partitioning = false)) AS t`,
  );
  return { rows: Number(result?.rows), digest: String(result?.digest) };
}

/** The reference lists of `refdata`, uploaded under `prefix` of the bucket, where the functions find them. */
export async function uploadRefdata(client: S3Client, bucket: string, prefix: string, refdata: string): Promise<void> {
  for (const path of await filesUnder(refdata)) {
    const key = `${prefix}${relative(refdata, path).split(sep).join('/')}`;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(path) }));
  }
}

/** A generated claim file and what `claimflow run` made of it on one machine. */
export interface LocalRun {
  readonly file: string;
  readonly local: RunJson['files'][number];
  readonly localRoot: string;
  readonly expected: Expectation[];
}

/**
 * A config that publishes in the layout the AWS paths publish (every canonical column, for Redshift's COPY),
 * so a local run's Parquet can be compared with theirs file for file.
 */
export async function writeAwsLayoutConfig(dir: string): Promise<string> {
  const path = join(dir, 'aws-layout.yaml');
  await writeFile(path, 'published_layout: canonical\n');
  return path;
}

/**
 * Generates `name` in `dir` (3000 lines of October 2025 unless `rows` says) and runs `claimflow run` on it with the
 * shared reference lists, into its own root; `rejected` when the run is to reject the file (exit 2).
 */
export async function generateAndRunLocally(
  dir: string,
  name: string,
  options: { seed: number; runDate: string; defectRate: number; rejected?: boolean; rows?: number },
): Promise<LocalRun> {
  const file = join(dir, name);
  const generate = ['--rows', String(options.rows ?? 3000), '--out', file, '--seed', String(options.seed)];
  const generated = await claimflow(
    'generate',
    ...generate,
    '--defect-rate',
    String(options.defectRate),
    '--month',
    '2025-10',
  );
  assert.equal(generated.code, 0, generated.stderr);
  const localRoot = join(dir, `local-${options.seed}`);
  const flags = [
    '--config',
    await writeAwsLayoutConfig(dir),
    '--root',
    localRoot,
    '--json',
    '--run-date',
    options.runDate,
    '--refdata',
    join(SHARED_DIR, 'refdata'),
  ];
  const run = await claimflow('run', file, ...flags);
  assert.equal(run.code, options.rejected ? 2 : 0, run.stderr);
  const [local] = (JSON.parse(run.stdout) as RunJson).files;
  assert.ok(local);
  return { file, local, localRoot, expected: await readExpectations(file) };
}
