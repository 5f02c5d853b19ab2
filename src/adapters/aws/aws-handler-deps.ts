import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { CodeSetName } from '../../domain/code-sets.ts';
import { HEAD_BYTES } from '../../domain/detect-format.ts';
import { claimPartitionPrefix } from '../../domain/store-layout.ts';
import { TABLES } from '../../domain/tables/tables.ts';
import { createFileSettings } from '../../pipeline/file-settings.ts';
import type { HandlerDeps } from '../../pipeline/handlers/handler-deps.ts';
import { createJobIdSource } from '../../pipeline/job-id.ts';
import type { Ledger } from '../../pipeline/ledger.ts';
import { createLimiter } from '../../pipeline/limiter.ts';
import type { ObjectStore } from '../../pipeline/object-store.ts';
import {
  type Clock,
  type DeadLetterQueue,
  type EventBus,
  type Logger,
  type Metrics,
  systemClock,
} from '../../pipeline/ports.ts';
import { runConfigSchema } from '../../pipeline/run-config.ts';
import { DuckDbDatabase } from '../duckdb/duckdb-engine.ts';
import { codeSetTable, loadCodeSets } from '../duckdb/load-code-sets.ts';
import { convertFhir } from '../fhir/convert-fhir.ts';
import { createLocalInputFiles } from '../local-store/local-input-files.ts';
import { createLogger } from '../logging/json-logger.ts';
import { convertX12 } from '../x12/convert-x12.ts';
import { DynamoDbLedger } from './dynamodb-ledger.ts';
import { EmfMetrics } from './emf-metrics.ts';
import { type LambdaEnv, readLambdaEnv } from './lambda-env.ts';
import { REDSHIFT_LAYOUT } from './redshift-columns.ts';
import { RedshiftLoader } from './redshift-loader.ts';
import { S3ObjectStore } from './s3-object-store.ts';
import { SnsEventBus } from './sns-event-bus.ts';
import { SqsDeadLetterQueue } from './sqs-dead-letter-queue.ts';

/** The parts that talk to AWS: the functions build them from the environment, tests pass their own. */
export interface AwsPorts {
  readonly store: ObjectStore;
  readonly bus: EventBus;
  readonly ledger: Ledger;
  /** Each finished job's metrics (EMF lines on stdout in the functions). */
  readonly metrics?: Metrics;
}

export interface AwsDepsOptions {
  /** Prefix of the reference lists in the store, laid out like ../shared/refdata. */
  readonly refdataPrefix: string;
  /** Local folder for DuckDB's spill files and the reference data (/tmp on Lambda). */
  readonly localRoot: string;
  /** Memory of the function in MB, shared by Node and DuckDB. */
  readonly memoryMb: number;
  readonly logger: Logger;
  readonly clock?: Clock;
}

export interface AwsHandlerDeps extends HandlerDeps {
  close(): void;
}

/** Share of the function's memory DuckDB may take; Node's heap and the SDK's buffers need the rest. */
const DUCKDB_MEMORY_SHARE = 0.5;
/** Lambda gives one vCPU per this many MB. */
const MB_PER_VCPU = 1769;

/**
 * The handlers' dependencies on AWS. The engine and the reference data are prepared on the first
 * `openEngine` and kept for the container's life, so the trigger, which needs neither, starts fast.
 */
export function createAwsHandlerDeps(ports: AwsPorts, options: AwsDepsOptions): AwsHandlerDeps {
  const clock = options.clock ?? systemClock;
  const config = runConfigSchema.parse({});
  let codeSets: ReadonlySet<CodeSetName> | undefined;
  let database: DuckDbDatabase | undefined;
  let prepared: Promise<DuckDbDatabase> | undefined;
  const prepare = async (): Promise<DuckDbDatabase> => {
    const db = await DuckDbDatabase.open({
      path: ':memory:',
      memoryLimit: `${Math.floor(options.memoryMb * DUCKDB_MEMORY_SHARE)}MB`,
      threads: Math.max(1, Math.floor(options.memoryMb / MB_PER_VCPU)),
      tempDirectory: join(options.localRoot, 'duckdb'),
    });
    try {
      const session = await db.connect();
      try {
        codeSets = await loadCodeSets(
          session,
          await downloadRefdata(ports.store, options.refdataPrefix, options.logger),
        );
      } finally {
        session.close();
      }
    } catch (error) {
      db.close();
      throw error;
    }
    database = db;
    return db;
  };
  return {
    ...ports,
    clock,
    logger: options.logger,
    nextJobId: createJobIdSource(),
    files: createLocalInputFiles(HEAD_BYTES),
    convertRecords: { x12: convertX12, fhir: convertFhir },
    openEngine: async () => {
      // A failed preparation (say, a throttled download) is tried again by the next call.
      prepared ??= prepare().catch((error: unknown) => {
        prepared = undefined;
        throw error;
      });
      return (await prepared).connect();
    },
    settingsFor: (file) => {
      if (!codeSets)
        throw new Error('settingsFor needs the reference data that openEngine loads: open an engine first');
      const runDate = clock.now().toISOString().slice(0, 10);
      return createFileSettings(config, { runDate, publishedLayout: REDSHIFT_LAYOUT }, codeSets, codeSetTable)(file);
    },
    // The warehouse on AWS is Redshift, loaded with the months of a task (see redshiftMonthLoader).
    refreshWarehouse: async () => {},
    exclusive: createLimiter(1),
    inputFileOf: (key) => ports.store.locate(key),
    close: () => database?.close(),
  };
}

/**
 * Fetches the reference lists under `prefix` (downloads on S3) once per container, keeping the
 * keys' layout, which loadCodeSets expects. No lists: the code-set rules are skipped (and reported so).
 */
async function downloadRefdata(store: ObjectStore, prefix: string, logger: Logger): Promise<string | undefined> {
  const keys = await store.list(prefix);
  let folder: string | undefined;
  for (const key of keys) {
    const path = await store.fetchLocal(key, 'refdata');
    // The folder the key's path below the prefix hangs from, wherever the store put it.
    folder = path.slice(0, path.length - join(...key.slice(prefix.length).split('/')).length);
  }
  if (folder) logger.info('reference data loaded', { prefix, files: keys.length });
  else logger.warn('no reference data', { prefix });
  return folder;
}

/** What one Lambda container keeps between invocations. */
export interface LambdaContainer {
  readonly env: LambdaEnv;
  readonly store: S3ObjectStore;
  readonly deps: AwsHandlerDeps;
  /** The manual-review queue, where a function puts the tasks it gave up on (tests hand in their own). */
  readonly dlq?: DeadLetterQueue;
}

let container: LambdaContainer | undefined;

/** The container's clients and dependencies, built on the first invocation and reused after. */
export function lambdaContainer(): LambdaContainer {
  container ??= openLambdaContainer(readLambdaEnv());
  return container;
}

function openLambdaContainer(env: LambdaEnv): LambdaContainer {
  const s3 = new S3Client({});
  const store = new S3ObjectStore(
    s3,
    { input: env.INPUT_BUCKET, output: env.OUTPUT_BUCKET },
    join(env.CLAIMFLOW_TMP_DIR, 'scratch'),
  );
  const deps = createAwsHandlerDeps(
    {
      store,
      bus: new SnsEventBus(new SNSClient({}), { processing: env.SNS_TOPIC_ARN, errors: env.ERROR_TOPIC_ARN }),
      ledger: new DynamoDbLedger(new DynamoDBClient({}), env.LEDGER_TABLE),
      metrics: createLambdaMetrics(env),
    },
    {
      refdataPrefix: env.REFDATA_PREFIX,
      localRoot: env.CLAIMFLOW_TMP_DIR,
      memoryMb: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logger: createLambdaLogger(),
    },
  );
  return { env, store, deps, dlq: manualReviewQueue(env) };
}

/** The manual-review queue of the environment (`DEAD_LETTER_QUEUE_URL`). */
export function manualReviewQueue(env: Pick<LambdaEnv, 'DEAD_LETTER_QUEUE_URL'>): DeadLetterQueue {
  return new SqsDeadLetterQueue(new SQSClient({}), env.DEAD_LETTER_QUEUE_URL);
}

/** What the post-processing function keeps of its time after a load's wait: the cancel, the ledger, the event. */
export const CANCEL_RESERVE_MS = 60_000;

/** Schema of the Redshift warehouse table. */
const WAREHOUSE_SCHEMA = 'claimflow';

/**
 * The warehouse on AWS: each month a job changed is loaded into Redshift from its published
 * Parquet prefix, for every table with a file in that month (`listKeys` lists the output bucket's
 * keys under a prefix). Undefined when the environment names no Redshift workgroup.
 */
export function redshiftMonthLoader(
  env: LambdaEnv,
  client: RedshiftDataClient,
  listKeys: (prefix: string) => Promise<readonly string[]>,
  remainingMs: () => number = () => Number.POSITIVE_INFINITY,
): ((months: readonly string[]) => Promise<void>) | undefined {
  if (!env.REDSHIFT_WORKGROUP || !env.REDSHIFT_DATABASE || !env.REDSHIFT_LOAD_ROLE_ARN) return undefined;
  const loader = new RedshiftLoader(client, {
    workgroupName: env.REDSHIFT_WORKGROUP,
    database: env.REDSHIFT_DATABASE,
    iamRoleArn: env.REDSHIFT_LOAD_ROLE_ARN,
    schema: WAREHOUSE_SCHEMA,
  });
  return async (months) => {
    for (const yearMonth of months) {
      const [year = '', month = ''] = yearMonth.split('-');
      for (const table of TABLES) {
        const prefix = claimPartitionPrefix(year, month, table.name);
        // A month is touched for every table at once; COPY from a prefix with no file would fail.
        if (!(await listKeys(prefix)).some((k) => k.endsWith('.parquet'))) continue;
        // Each load waits at most until the function must cancel it and still finish in time.
        await loader.loadMonth(
          table,
          yearMonth,
          `s3://${env.OUTPUT_BUCKET}/${prefix}`,
          remainingMs() - CANCEL_RESERVE_MS,
        );
      }
    }
  };
}

/** EMF lines on stdout, which CloudWatch Logs turns into the `claimflow` namespace's metrics. */
export function createLambdaMetrics(env: Pick<LambdaEnv, 'ENVIRONMENT' | 'AWS_LAMBDA_FUNCTION_NAME'>): EmfMetrics {
  return new EmfMetrics(
    (line) => process.stdout.write(`${line}\n`),
    { environment: env.ENVIRONMENT },
    env.AWS_LAMBDA_FUNCTION_NAME ? { function_name: env.AWS_LAMBDA_FUNCTION_NAME } : {},
  );
}

/** JSON lines on stdout, which Lambda sends to CloudWatch Logs. */
export function createLambdaLogger(): Logger {
  return createLogger(true, process.stdout);
}
