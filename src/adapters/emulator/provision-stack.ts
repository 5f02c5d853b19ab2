import {
  type AttributeDefinition,
  CreateTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
} from '@aws-sdk/client-dynamodb';
import { CreateAliasCommand, CreateKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { CreateTopicCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Delivery, EmulatedFunction, ProvisionedStack } from './emulated-function.ts';
import type { MotoEventsApi } from './events-api.ts';
import { EMULATED_ACCOUNT, EMULATED_REGION } from './moto-server.ts';
import { type AssetDirs, assetDir } from './stack-assets.ts';
import { evaluateCondition, resolveIntrinsics, StackTemplateError } from './template-intrinsics.ts';

export interface StackTemplate {
  readonly Parameters?: Record<string, { Default?: string }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; Condition?: string }>;
  readonly Outputs?: Record<string, { Value: unknown }>;
}

export interface ProvisionClients {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly kms: KMSClient;
  readonly secrets: SecretsManagerClient;
  readonly events: MotoEventsApi;
}

/** What the emulator creates; every other type is left out and listed (IAM, logs, alarms, policies...). */
const CREATED = new Set([
  'AWS::KMS::Key',
  'AWS::KMS::Alias',
  'AWS::SecretsManager::Secret',
  'AWS::S3::Bucket',
  'AWS::SQS::Queue',
  'AWS::SNS::Topic',
  'AWS::SNS::Subscription',
  'AWS::DynamoDB::Table',
  'AWS::Events::Rule',
  'AWS::Lambda::Function',
  'AWS::Lambda::LayerVersion',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Glue::Job',
]);

/** Lambda's default for async invocations without an EventInvokeConfig. */
const DEFAULT_RETRIES = 2;

/**
 * Creates the template's buckets, queues, topics, subscriptions (with their filter policies), table,
 * key and EventBridge rules in moto, in dependency order. What AWS would deliver to a function (S3
 * notifications, SNS subscriptions, rule targets) goes instead to a queue of the emulator's own
 * (`emulator-<logical id>`), with the same filters and patterns evaluated by moto; the emulator
 * reads those queues and invokes the functions.
 */
export async function provisionStack(
  stackName: string,
  template: StackTemplate,
  assets: AssetDirs,
  clients: ProvisionClients,
  /** Values of the template's parameters (`AlertEmail`), as a deploy passes them; the defaults otherwise. */
  parameters: Readonly<Record<string, string>> = {},
): Promise<ProvisionedStack> {
  const refs = new Map<string, string>([
    ['AWS::AccountId', EMULATED_ACCOUNT],
    ['AWS::Region', EMULATED_REGION],
    ['AWS::Partition', 'aws'],
    ['AWS::URLSuffix', 'amazonaws.com'],
    ['AWS::StackName', stackName],
  ]);
  for (const [name, parameter] of Object.entries(template.Parameters ?? {})) {
    refs.set(name, parameters[name] ?? parameter.Default ?? '');
  }
  const attributes = new Map<string, string>();
  const physical = { refs, attributes };
  const resolve = <T = unknown>(value: unknown): T => resolveIntrinsics(value, physical) as T;
  const holds = (condition: string | undefined): boolean =>
    condition === undefined || evaluateCondition(template.Conditions ?? {}, condition, resolve);
  const ofType = (type: string) =>
    Object.entries(template.Resources).filter(([, r]) => r.Type === type && holds(r.Condition));
  const props = (r: { Properties?: Record<string, unknown> }) => r.Properties ?? {};
  const arnOf = (service: string, resource: string) =>
    `arn:aws:${service}:${EMULATED_REGION}:${EMULATED_ACCOUNT}:${resource}`;

  const queueArns = new Map<string, string>();
  const createQueue = async (name: string, attributesIn: Record<string, string> = {}): Promise<string> => {
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributesIn }));
    if (!QueueUrl) throw new StackTemplateError(`moto created no queue ${name}`);
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    queueArns.set(QueueUrl, Attributes?.QueueArn ?? '');
    return QueueUrl;
  };
  const deliveries: Delivery[] = [];
  const functionByArn = new Map<string, string>();
  const layerDirs = new Map<string, string>();

  for (const [id] of ofType('AWS::KMS::Key')) {
    const { KeyMetadata } = await clients.kms.send(new CreateKeyCommand({ Description: `${stackName} ${id}` }));
    refs.set(id, KeyMetadata?.KeyId ?? '');
    attributes.set(`${id}.Arn`, KeyMetadata?.Arn ?? '');
  }
  for (const [, r] of ofType('AWS::KMS::Alias')) {
    const target = resolve<string>(props(r).TargetKeyId);
    const keyId = target.includes('key/') ? target.slice(target.indexOf('key/') + 4) : target;
    await clients.kms.send(new CreateAliasCommand({ AliasName: resolve(props(r).AliasName), TargetKeyId: keyId }));
  }
  for (const [id, r] of ofType('AWS::SecretsManager::Secret')) {
    const { ARN } = await clients.secrets.send(
      new CreateSecretCommand({
        Name: `${stackName}-${id}`,
        Description: resolve(props(r).Description),
        SecretString: resolve<string | undefined>(props(r).SecretString) ?? '{}',
      }),
    );
    refs.set(id, ARN ?? '');
  }
  // Names first: buckets, subscriptions, rules and environments refer to the functions.
  for (const [id] of ofType('AWS::Lambda::Function')) {
    const name = `${stackName}-${id}`.slice(0, 64);
    refs.set(id, name);
    attributes.set(`${id}.Arn`, arnOf('lambda', `function:${name}`));
    functionByArn.set(arnOf('lambda', `function:${name}`), id);
  }
  for (const [id, r] of ofType('AWS::Lambda::LayerVersion')) {
    refs.set(id, arnOf('lambda', `layer:${id}:1`));
    layerDirs.set(refs.get(id) ?? '', assetDir(assets, props(r).Content));
  }
  for (const [id, r] of ofType('AWS::Glue::Job')) refs.set(id, resolve(props(r).Name));

  for (const [id, r] of ofType('AWS::SQS::Queue')) {
    const p = props(r);
    const queueAttributes: Record<string, string> = {};
    for (const name of ['MessageRetentionPeriod', 'VisibilityTimeout', 'KmsMasterKeyId', 'DelaySeconds']) {
      if (p[name] !== undefined) queueAttributes[name] = String(resolve(p[name]));
    }
    const url = await createQueue(`${stackName}-${id}`.slice(0, 80), queueAttributes);
    refs.set(id, url);
    attributes.set(`${id}.Arn`, queueArns.get(url) ?? '');
    attributes.set(`${id}.QueueName`, url.split('/').pop() ?? '');
  }
  const queueUrlByArn = new Map([...queueArns].map(([url, arn]) => [arn, url]));

  for (const [id, r] of ofType('AWS::SNS::Topic')) {
    const p = props(r);
    const topicAttributes: Record<string, string> = {};
    if (p.KmsMasterKeyId) topicAttributes.KmsMasterKeyId = resolve(p.KmsMasterKeyId);
    if (p.DisplayName) topicAttributes.DisplayName = resolve(p.DisplayName);
    const { TopicArn } = await clients.sns.send(
      new CreateTopicCommand({ Name: `${stackName}-${id}`.slice(0, 256), Attributes: topicAttributes }),
    );
    refs.set(id, TopicArn ?? '');
    attributes.set(`${id}.TopicName`, TopicArn?.split(':').pop() ?? '');
  }

  for (const [id, r] of ofType('AWS::S3::Bucket')) {
    const p = props(r);
    const name = p.BucketName ? resolve<string>(p.BucketName) : `${stackName}-${id}`.toLowerCase().slice(0, 63);
    await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
    refs.set(id, name);
    attributes.set(`${id}.Arn`, `arn:aws:s3:::${name}`);
    const versioning = resolve<{ Status?: 'Enabled' | 'Suspended' } | undefined>(p.VersioningConfiguration);
    if (versioning?.Status) {
      await clients.s3.send(
        new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: versioning.Status } }),
      );
    }
    const encryption = resolve<
      | {
          ServerSideEncryptionConfiguration?: Array<{
            BucketKeyEnabled?: boolean;
            ServerSideEncryptionByDefault?: { SSEAlgorithm: 'aws:kms' | 'AES256'; KMSMasterKeyID?: string };
          }>;
        }
      | undefined
    >(p.BucketEncryption);
    if (encryption?.ServerSideEncryptionConfiguration) {
      // CloudFormation's ServerSideEncryptionByDefault is the API's ApplyServerSideEncryptionByDefault.
      const Rules = encryption.ServerSideEncryptionConfiguration.map((rule) => ({
        BucketKeyEnabled: rule.BucketKeyEnabled,
        ApplyServerSideEncryptionByDefault: rule.ServerSideEncryptionByDefault,
      }));
      await clients.s3.send(
        new PutBucketEncryptionCommand({ Bucket: name, ServerSideEncryptionConfiguration: { Rules } }),
      );
    }
    const lambdaNotifications = resolve<
      { LambdaConfigurations?: Array<{ Event: string; Function: string; Filter?: unknown }> } | undefined
    >(p.NotificationConfiguration)?.LambdaConfigurations;
    if (lambdaNotifications?.length) {
      const queueUrl = await createQueue(`emulator-${id}`.slice(0, 80));
      const QueueConfigurations = lambdaNotifications.map((n) => {
        const functionId = functionByArn.get(n.Function);
        if (!functionId) throw new StackTemplateError(`bucket ${id} notifies an unknown function ${n.Function}`);
        deliveries.push({ kind: 's3', queueUrl, functionId });
        const rules = (n.Filter as { S3Key?: { Rules?: Array<{ Name: string; Value: string }> } } | undefined)?.S3Key
          ?.Rules;
        return {
          QueueArn: queueArns.get(queueUrl),
          Events: [n.Event as never],
          ...(rules && {
            Filter: { Key: { FilterRules: rules.map((rule) => ({ Name: rule.Name as never, Value: rule.Value })) } },
          }),
        };
      });
      await clients.s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: name,
          NotificationConfiguration: { QueueConfigurations },
        }),
      );
    }
  }

  for (const [id, r] of ofType('AWS::DynamoDB::Table')) {
    const p = props(r);
    const name = p.TableName ? resolve<string>(p.TableName) : `${stackName}-${id}`;
    const sse = resolve<{ SSEEnabled?: boolean; SSEType?: string; KMSMasterKeyId?: string } | undefined>(
      p.SSESpecification,
    );
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: resolve<AttributeDefinition[]>(p.AttributeDefinitions),
        KeySchema: resolve<KeySchemaElement[]>(p.KeySchema),
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: p.GlobalSecondaryIndexes
          ? resolve<GlobalSecondaryIndex[]>(p.GlobalSecondaryIndexes)
          : undefined,
        SSESpecification: sse?.SSEEnabled
          ? { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: sse.KMSMasterKeyId }
          : undefined,
      }),
    );
    refs.set(id, name);
    attributes.set(`${id}.Arn`, arnOf('dynamodb', `table/${name}`));
  }

  for (const [id, r] of ofType('AWS::SNS::Subscription')) {
    const p = resolve<Record<string, unknown>>(props(r));
    const filter: Record<string, string> = {};
    if (p.FilterPolicy) filter.FilterPolicy = JSON.stringify(p.FilterPolicy);
    if (p.FilterPolicyScope) filter.FilterPolicyScope = String(p.FilterPolicyScope);
    if (p.Protocol !== 'lambda') {
      await clients.sns.send(
        new SubscribeCommand({
          TopicArn: String(p.TopicArn),
          Protocol: String(p.Protocol),
          Endpoint: String(p.Endpoint),
          Attributes: filter,
        }),
      );
      continue;
    }
    const functionId = functionByArn.get(String(p.Endpoint));
    if (!functionId) throw new StackTemplateError(`subscription ${id} names an unknown function ${p.Endpoint}`);
    const queueUrl = await createQueue(`emulator-${id}`.slice(0, 80));
    const { SubscriptionArn } = await clients.sns.send(
      new SubscribeCommand({
        TopicArn: String(p.TopicArn),
        Protocol: 'sqs',
        Endpoint: queueArns.get(queueUrl),
        Attributes: filter,
        ReturnSubscriptionArn: true,
      }),
    );
    deliveries.push({ kind: 'sns', queueUrl, functionId, subscriptionArn: SubscriptionArn ?? '' });
  }

  for (const [id, r] of ofType('AWS::Events::Rule')) {
    const p = props(r);
    const name = `${stackName}-${id}`.slice(0, 64);
    await clients.events.putRule(name, resolve(p.EventPattern));
    const targets = resolve<Array<{ Id: string; Arn: string; InputTransformer?: unknown }>>(p.Targets ?? []);
    const routed = [];
    for (const target of targets) {
      const queueUrl = await createQueue(`emulator-${id}-${target.Id}`.slice(0, 80));
      const functionId = functionByArn.get(target.Arn);
      if (functionId) deliveries.push({ kind: 'events-lambda', queueUrl, functionId });
      else if (target.Arn.startsWith('arn:aws:sns:'))
        deliveries.push({ kind: 'events-sns', queueUrl, topicArn: target.Arn });
      else throw new StackTemplateError(`rule ${id} has a target the emulator does not deliver to: ${target.Arn}`);
      routed.push({ ...target, Arn: queueArns.get(queueUrl) ?? '' });
    }
    await clients.events.putTargets(name, routed);
  }

  const invokeConfigs = new Map(
    ofType('AWS::Lambda::EventInvokeConfig').map(([, r]) => [resolve<string>(props(r).FunctionName), props(r)]),
  );
  const functions = new Map<string, EmulatedFunction>();
  for (const [id, r] of ofType('AWS::Lambda::Function')) {
    const p = props(r);
    const name = refs.get(id) ?? id;
    const invokeConfig = invokeConfigs.get(name);
    const onFailure = resolve<string | undefined>(
      (invokeConfig?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure
        ?.Destination,
    );
    const deadLetter = onFailure ?? resolve<{ TargetArn?: string } | undefined>(p.DeadLetterConfig)?.TargetArn;
    functions.set(id, {
      logicalId: id,
      name,
      arn: attributes.get(`${id}.Arn`) ?? '',
      codeDir: assetDir(assets, p.Code),
      layerDirs: resolve<string[]>(p.Layers ?? []).map((arn) => layerDirs.get(arn) ?? ''),
      handler: String(p.Handler ?? 'index.handler'),
      memoryMb: Number(p.MemorySize ?? 128),
      timeoutSeconds: Number(p.Timeout ?? 3),
      environment: resolve<Record<string, string>>(
        (p.Environment as { Variables?: unknown } | undefined)?.Variables ?? {},
      ),
      retryAttempts: Number(invokeConfig?.MaximumRetryAttempts ?? DEFAULT_RETRIES),
      deadLetterQueueUrl: deadLetter ? queueUrlByArn.get(deadLetter) : undefined,
    });
  }

  const notEmulated: Record<string, number> = {};
  for (const r of Object.values(template.Resources)) {
    if (!CREATED.has(r.Type)) notEmulated[r.Type] = (notEmulated[r.Type] ?? 0) + 1;
  }
  // Outputs of resources the emulator does not create (the dashboard) are left out.
  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    try {
      outputs[name] = String(resolve(output.Value));
    } catch (error) {
      if (!(error instanceof StackTemplateError)) throw error;
    }
  }
  return { functions, deliveries, outputs, notEmulated };
}
