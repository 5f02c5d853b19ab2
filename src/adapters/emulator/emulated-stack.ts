import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DeleteMessageCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PREFIXES } from '../../domain/store-layout.ts';
import { SparkWorker } from '../spark/spark-worker.ts';
import { AsyncInvoker, type InvocationRecord } from './async-invoker.ts';
import type { Delivery, EmulatedFunction, ProvisionedStack } from './emulated-function.ts';
import { MotoEventsApi } from './events-api.ts';
import { GlueEmulator } from './glue-emulator.ts';
import { type InvocationHooks, LambdaProcesses } from './lambda-process.ts';
import { EMULATED_REGION, type MotoServer, startMotoServer } from './moto-server.ts';
import { provisionStack, type StackTemplate } from './provision-stack.ts';
import { assetDirsOf } from './stack-assets.ts';

export interface EmulationOptions {
  /** The cloud assembly `claimflow infra synth` wrote. */
  readonly cdkOut: string;
  readonly stackName: string;
  /** The emulator's own files: function task folders, each invocation's /tmp, Glue's local runs. */
  readonly workDir: string;
  /** The template's parameters, as `cdk deploy --parameters` sets them (AlertEmail, AlertSmsNumber). */
  readonly parameters?: Readonly<Record<string, string>>;
  /** Variables set over every function's environment (DUCKDB_MAX_BYTES, to send smaller files to Glue). */
  readonly environmentOverrides?: Readonly<Record<string, string>>;
  readonly retryDelaysMs?: readonly number[];
  readonly concurrency?: number;
  readonly hooks?: InvocationHooks;
  /** Spark settings of the local Glue runs (`key=value`). */
  readonly sparkConf?: readonly string[];
  readonly sparkMaster?: string;
  /** Each line the local Glue runs write (what Glue sends to its CloudWatch log groups). */
  readonly onGlueLog?: (line: string) => void;
}

/** Credentials moto accepts (it checks none); never real ones. */
const EMULATOR_CREDENTIALS = { accessKeyId: 'emulator', secretAccessKey: 'emulator' };
const POLL_MS = 100;

/** SDK client settings that point at moto. */
export function motoClientConfig(endpoint: string) {
  return { endpoint, region: EMULATED_REGION, credentials: EMULATOR_CREDENTIALS, forcePathStyle: true };
}

/**
 * The synthesized stack running on this machine: moto answers S3, SNS, SQS, DynamoDB, KMS and
 * EventBridge; the emulator delivers what AWS would deliver to the functions (S3 notifications,
 * SNS subscriptions, EventBridge rule targets, all routed by moto into queues of its own), runs
 * each function's bundle in its own Node process with Lambda's async retries and dead-letter
 * queue, and answers Glue with local Spark.
 */
export class EmulatedStack {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly dynamodb: DynamoDBClient;
  private readonly invoker: AsyncInvoker;
  private stopped = false;
  private quietRounds = 0;
  private readonly pumping: Promise<void>;

  private constructor(
    readonly moto: MotoServer,
    readonly stack: ProvisionedStack & { readonly functions: Map<string, EmulatedFunction> },
    private readonly glue: GlueEmulator,
    private readonly processes: LambdaProcesses,
    clients: { s3: S3Client; sqs: SQSClient; sns: SNSClient; dynamodb: DynamoDBClient },
    options: EmulationOptions,
  ) {
    ({ s3: this.s3, sqs: this.sqs, sns: this.sns, dynamodb: this.dynamodb } = clients);
    this.invoker = new AsyncInvoker((fn, event) => processes.invoke(fn, event), this.sqs, options);
    this.pumping = this.pump();
  }

  /** Starts moto, creates the template's resources in it, and starts delivering. Stop it in a `finally`. */
  static async start(options: EmulationOptions): Promise<EmulatedStack> {
    const moto = await startMotoServer();
    let glue: GlueEmulator | undefined;
    try {
      const config = motoClientConfig(moto.endpoint);
      const clients = {
        s3: new S3Client(config),
        sqs: new SQSClient(config),
        sns: new SNSClient(config),
        dynamodb: new DynamoDBClient(config),
      };
      const events = new MotoEventsApi(moto.endpoint);
      const template = JSON.parse(
        await readFile(join(options.cdkOut, `${options.stackName}.template.json`), 'utf8'),
      ) as StackTemplate;
      const assets = assetDirsOf(
        options.cdkOut,
        JSON.parse(await readFile(join(options.cdkOut, `${options.stackName}.assets.json`), 'utf8')),
      );
      const kms = new KMSClient(config);
      const secrets = new SecretsManagerClient(config);
      const provisioned = await provisionStack(
        options.stackName,
        template,
        assets,
        {
          ...clients,
          kms,
          events,
          secrets,
        },
        options.parameters,
      );
      kms.destroy();
      secrets.destroy();
      const functions = new Map(
        [...provisioned.functions].map(([id, fn]) => [
          id,
          { ...fn, environment: { ...fn.environment, ...options.environmentOverrides } },
        ]),
      );
      const jobName = provisioned.outputs.GlueJobName ?? '';
      glue = new GlueEmulator({
        jobName,
        s3: clients.s3,
        events,
        workDir: join(options.workDir, 'glue'),
        startWorker: () =>
          SparkWorker.start({
            master: options.sparkMaster ?? 'local[2]',
            conf: ['spark.ui.enabled=false', ...(options.sparkConf ?? [])],
            onLog: options.onGlueLog,
          }),
      });
      const glueEndpoint = await glue.listen();
      const processes = new LambdaProcesses(
        options.workDir,
        {
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_ENDPOINT_URL_GLUE: glueEndpoint,
          AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
          AWS_REGION: EMULATED_REGION,
          AWS_DEFAULT_REGION: EMULATED_REGION,
        },
        options.hooks,
      );
      return new EmulatedStack(moto, { ...provisioned, functions }, glue, processes, clients, options);
    } catch (error) {
      await glue?.close();
      await moto.stop();
      throw error;
    }
  }

  /**
   * Sets `variables` over every function's environment for the invocations that start after it, as
   * `aws lambda update-function-configuration` would (a lower DUCKDB_MAX_BYTES sends the next file to Glue).
   */
  updateEnvironment(variables: Readonly<Record<string, string>>): void {
    for (const [id, fn] of this.stack.functions) {
      this.stack.functions.set(id, { ...fn, environment: { ...fn.environment, ...variables } });
    }
  }

  /** Every attempt of every invocation so far, in the order they ended. */
  get invocations(): readonly InvocationRecord[] {
    return this.invoker.records;
  }

  /** Invokes a function asynchronously with `event`, as a redelivery by AWS would (the function's logical id). */
  invokeAsync(logicalId: string, event: unknown): void {
    this.invoker.invoke(this.fn(logicalId), event);
  }

  /** The function of the template whose logical id starts with `prefix` (`Functionsetl`). */
  functionId(prefix: string): string {
    const ids = [...this.stack.functions.keys()].filter((id) => id.startsWith(prefix));
    if (ids.length !== 1) throw new Error(`${ids.length} functions start with ${prefix}`);
    return ids[0] as string;
  }

  /** The Glue runs answered so far. */
  get glueRuns() {
    return [...this.glue.runs.values()];
  }

  output(name: string): string {
    const value = this.stack.outputs[name];
    if (value === undefined) throw new Error(`the stack has no output ${name}`);
    return value;
  }

  /**
   * Resolves once nothing is left to do: no message waiting in a delivery queue, no invocation
   * queued, running or waiting to retry, no Glue run. Rejects after `timeoutMs`.
   */
  async settle(timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.quietRounds = 0;
    while (this.quietRounds < 3) {
      if (Date.now() > deadline) throw new Error(`the emulated stack did not settle in ${timeoutMs / 1000} s`);
      await sleep(POLL_MS);
    }
  }

  /** The output bucket's published objects (everything but temp/ and refdata/) under `dir`, as a claimflow root. */
  async downloadOutputs(dir: string): Promise<string[]> {
    const bucket = this.output('OutputBucketName');
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const { Key } of page.Contents ?? []) {
        if (Key && !Key.startsWith(PREFIXES.temp) && !Key.startsWith(PREFIXES.refdata)) keys.push(Key);
      }
      token = page.NextContinuationToken;
    } while (token);
    for (const key of keys) {
      const path = join(dir, ...key.split('/'));
      await mkdir(dirname(path), { recursive: true });
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      await pipeline(Body as Readable, createWriteStream(path));
    }
    return keys;
  }

  /** Stops delivering, ends running functions and the Spark worker, then moto. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.pumping;
    this.processes.killAll();
    await this.glue.close();
    for (const client of [this.s3, this.sqs, this.sns, this.dynamodb]) client.destroy();
    await this.moto.stop();
  }

  private async pump(): Promise<void> {
    while (!this.stopped) {
      let received = 0;
      try {
        for (const delivery of this.stack.deliveries) received += await this.deliver(delivery);
      } catch (error) {
        if (!this.stopped) process.stderr.write(`emulator: delivery failed: ${String(error)}\n`);
      }
      const busy = received > 0 || !this.invoker.idle || !this.glue.idle;
      this.quietRounds = busy ? 0 : this.quietRounds + 1;
      await sleep(POLL_MS);
    }
  }

  /** Takes what moto queued for one target and hands it on as AWS would. */
  private async deliver(delivery: Delivery): Promise<number> {
    const { Messages = [] } = await this.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: delivery.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    for (const message of Messages) {
      const body = JSON.parse(message.Body ?? '{}') as Record<string, unknown>;
      if (delivery.kind === 'events-sns') {
        await this.sns.send(new PublishCommand({ TopicArn: delivery.topicArn, Message: message.Body ?? '' }));
      } else if (body.Event !== 's3:TestEvent') {
        this.invoker.invoke(this.fn(delivery.functionId), lambdaEventOf(delivery, body));
      }
      await this.sqs.send(
        new DeleteMessageCommand({ QueueUrl: delivery.queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
    }
    return Messages.length;
  }

  private fn(logicalId: string): EmulatedFunction {
    const fn = this.stack.functions.get(logicalId);
    if (!fn) throw new Error(`no function ${logicalId}`);
    return fn;
  }
}

/** The event Lambda hands the function for what moto queued: S3 and EventBridge events as they are, SNS in its record. */
function lambdaEventOf(delivery: Delivery, body: Record<string, unknown>): unknown {
  if (delivery.kind !== 'sns') return body;
  return {
    Records: [
      {
        EventSource: 'aws:sns',
        EventVersion: '1.0',
        EventSubscriptionArn: delivery.subscriptionArn,
        Sns: { MessageAttributes: {}, ...body },
      },
    ],
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
