import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetSubscriptionAttributesCommand, ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { motoClientConfig } from '../../src/adapters/emulator/emulated-stack.ts';
import { type MotoServer, startMotoServer } from '../../src/adapters/emulator/moto-server.ts';

/** moto on loopback with the clients the handler tests use; stop it in an `after` hook. */
export interface MotoServices {
  readonly server: MotoServer;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  stop(): Promise<void>;
}

export async function startMoto(): Promise<MotoServices> {
  const server = await startMotoServer();
  const config = motoClientConfig(server.endpoint);
  const clients = { s3: new S3Client(config), sqs: new SQSClient(config), dynamodb: new DynamoDBClient(config) };
  return {
    server,
    ...clients,
    stop: async () => {
      for (const client of Object.values(clients)) client.destroy();
      await server.stop();
    },
  };
}

/** Versioned buckets, as the stack creates them. */
export async function createBuckets(s3: S3Client, names: readonly string[]): Promise<void> {
  for (const Bucket of names) {
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  }
}

/** The ledger table as infra/constructs/storage.ts defines it: key `pk`, index `status-index`. */
export async function createLedgerTable(dynamodb: DynamoDBClient, name: string): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'status', AttributeType: 'S' },
        { AttributeName: 'started_at', AttributeType: 'S' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'status-index',
          KeySchema: [
            { AttributeName: 'status', KeyType: 'HASH' },
            { AttributeName: 'started_at', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
    }),
  );
}

/** A queue; returns its URL and ARN. */
export async function createQueue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl, arn: Attributes?.QueueArn ?? '' };
}

/** S3 ObjectCreated events of `bucket` under `prefix` go to a queue, as S3 sends them (moto's notification). */
export async function notifyToQueue(services: MotoServices, bucket: string, prefix: string): Promise<string> {
  const queue = await createQueue(services.sqs, `${bucket}-events`);
  await services.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            QueueArn: queue.arn,
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
          },
        ],
      },
    }),
  );
  return queue.url;
}

/** Every message waiting in a queue, bodies parsed, removed from it. */
export async function receiveAll(sqs: SQSClient, url: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return out;
    for (const m of Messages) {
      out.push(JSON.parse(m.Body ?? '{}'));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    }
  }
}

/** An S3 event's object key as stored (events carry it URL-encoded with + for spaces; moto encodes / too). */
export function decodedKey(key: string): string {
  return decodeURIComponent(key.replaceAll('+', ' '));
}

export interface TopicSubscription {
  readonly protocol: string;
  readonly endpoint: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * A topic's subscriptions with their attributes (FilterPolicy, FilterPolicyScope), read through the
 * SNS API. moto 5.2.6 keeps e-mail and SMS subscriptions but sends nothing to them; what one would
 * be sent is shown by a queue subscribed with the same filter policy (moto's own `/moto-api/data.json`
 * fails once the S3 backend holds multipart uploads, so it is not read).
 */
export async function subscriptionsOf(sns: SNSClient, topicArn: string): Promise<TopicSubscription[]> {
  const { Subscriptions = [] } = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }));
  return Promise.all(
    Subscriptions.map(async (sub) => {
      const { Attributes = {} } = await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.SubscriptionArn }),
      );
      return { protocol: sub.Protocol ?? '', endpoint: sub.Endpoint ?? '', attributes: Attributes };
    }),
  );
}
