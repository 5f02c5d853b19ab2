import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PREFIXES } from '../../src/domain/store-layout.ts';
import { skipCheckov } from '../compliance.ts';
import type { StorageProps } from './storage-props.ts';

export type BucketRole = 'input' | 'output';

/** The ledger's index of jobs by status and start time (shared contract with DynamoDbLedger). */
export const LEDGER_STATUS_INDEX = 'status-index';

const REPLICATION_REASON =
  'Cross-region replication needs a bucket and key in a second region chosen per deployment; versioning, retention and never-expiring objects protect the data in this region (docs/deploy.md).';

const ACCESS_LOGS_LOOP = 'This bucket receives the access logs of the data buckets; logging it into itself would loop.';
/** The key, the buckets of DESIGN.md's layout, their access-log bucket and the ledger table. */
export class Storage extends Construct {
  readonly key: kms.Key;
  readonly accessLogsBucket: s3.Bucket;
  readonly inputBucket: s3.Bucket;
  readonly outputBucket: s3.Bucket;
  readonly ledgerTable: dynamodb.Table;
  /**
   * Bucket names built from the environment, account and region rather than read from the bucket
   * resources: the inbox notification makes the input bucket depend on the trigger function, so the
   * functions must name the buckets without depending on them.
   */
  readonly bucketNames: Readonly<Record<BucketRole, string>>;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    const { settings } = props;
    const nameOf = (role: string): string => `claimflow-${settings.name}-${role}-${Aws.ACCOUNT_ID}-${Aws.REGION}`;
    this.bucketNames = { input: nameOf('input'), output: nameOf('output') };

    this.key = new kms.Key(this, 'Key', {
      alias: `alias/claimflow-${settings.name}`,
      description: `claimflow ${settings.name}: claim data, ledger, topics, queues, logs and Glue`,
      enableKeyRotation: true,
      // Deleting the key would make every retained object and backup unreadable.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.allowServiceUse();

    const lifecycleRules = [archiveTieringRule(settings.deepArchive)];
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      bucketName: nameOf('access-logs'),
      // S3 server access logging delivers only to buckets encrypted with S3-managed keys.
      encryption: s3.BucketEncryption.S3_MANAGED,
      ...securedBucketProps(),
      lifecycleRules,
    });
    skipCheckov(this.accessLogsBucket, 'CKV_AWS_18', ACCESS_LOGS_LOOP);
    Validations.of(this.accessLogsBucket).acknowledge(
      {
        id: 'AwsSolutions-S1',
        reason: ACCESS_LOGS_LOOP,
      },
      {
        id: 'HIPAA.Security-S3BucketLoggingEnabled',
        reason: ACCESS_LOGS_LOOP,
      },
      {
        id: 'HIPAA.Security-S3DefaultEncryptionKMS',
        reason:
          'S3 server access logging only delivers to SSE-S3 buckets; the logs hold request metadata (keys, requesters), never object contents.',
      },
      { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: REPLICATION_REASON },
    );

    const dataBucket = (id: string, role: BucketRole): s3.Bucket => {
      const bucket = new s3.Bucket(this, id, {
        bucketName: this.bucketNames[role],
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.key,
        bucketKeyEnabled: true,
        ...securedBucketProps(),
        serverAccessLogsBucket: this.accessLogsBucket,
        serverAccessLogsPrefix: `${role}/`,
        lifecycleRules,
      });
      Validations.of(bucket).acknowledge({
        id: 'HIPAA.Security-S3BucketReplicationEnabled',
        reason: REPLICATION_REASON,
      });
      return bucket;
    };
    this.inputBucket = dataBucket('InputBucket', 'input');
    this.outputBucket = dataBucket('OutputBucket', 'output');

    this.ledgerTable = new dynamodb.Table(this, 'LedgerTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: settings.deletionProtection,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.ledgerTable.addGlobalSecondaryIndex({
      indexName: LEDGER_STATUS_INDEX,
      partitionKey: { name: 'status', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'started_at', type: dynamodb.AttributeType.STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    Validations.of(this.ledgerTable).acknowledge({
      id: 'HIPAA.Security-DynamoDBInBackupPlan',
      reason:
        'Point-in-time recovery keeps 35 days of continuous backups; AWS Backup plans are an account-level policy outside this stack.',
    });
  }

  /** ARN of the objects under `prefix` ('' for the whole bucket), without a dependency on the bucket resource. */
  objectsArn(role: BucketRole, prefix: string): string {
    return `${this.bucketArn(role)}/${prefix}*`;
  }

  bucketArn(role: BucketRole): string {
    return `arn:${Aws.PARTITION}:s3:::${this.bucketNames[role]}`;
  }

  /** S3 `ObjectCreated` under the inbox prefix invokes `fn` (native notification, no custom resource). */
  notifyInbox(fn: lambda.IFunction): void {
    const permission = new lambda.CfnPermission(this, 'InboxInvokePermission', {
      action: 'lambda:InvokeFunction',
      functionName: fn.functionArn,
      principal: 's3.amazonaws.com',
      sourceAccount: Aws.ACCOUNT_ID,
      sourceArn: this.bucketArn('input'),
    });
    const bucket = this.inputBucket.node.defaultChild as s3.CfnBucket;
    bucket.notificationConfiguration = {
      lambdaConfigurations: [
        {
          event: 's3:ObjectCreated:*',
          function: fn.functionArn,
          filter: { s3Key: { rules: [{ name: 'prefix', value: PREFIXES.inbox }] } },
        },
      ],
    };
    // S3 checks that it may invoke the function when the configuration is written.
    bucket.node.addDependency(permission);
  }

  /** Services that write encrypted data on our behalf must be allowed to use the key in its policy. */
  private allowServiceUse(): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchLogs',
        principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*`,
          },
        },
      }),
    );
    // Alarms (CloudWatch) and failed Glue runs (EventBridge) publish to the encrypted error topic.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AlarmAndEventPublishers',
        principals: [
          new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
          new iam.ServicePrincipal('events.amazonaws.com'),
        ],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
  }
}

function securedBucketProps(): Pick<
  s3.BucketProps,
  'versioned' | 'enforceSSL' | 'minimumTLSVersion' | 'blockPublicAccess' | 'objectOwnership' | 'removalPolicy'
> {
  return {
    versioned: true,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // Claims and their audit trail outlive the stack: deleting it leaves the buckets and their objects.
    removalPolicy: RemovalPolicy.RETAIN,
  };
}

/**
 * Standard -> IA at 30 days -> Glacier at 90 (-> Deep Archive at 365 with `deepArchive`), for current
 * and older versions; nothing expires.
 */
function archiveTieringRule(deepArchive: boolean): s3.LifecycleRule {
  const transitions = [
    { storageClass: s3.StorageClass.INFREQUENT_ACCESS, days: 30 },
    { storageClass: s3.StorageClass.GLACIER, days: 90 },
    ...(deepArchive ? [{ storageClass: s3.StorageClass.DEEP_ARCHIVE, days: 365 }] : []),
  ];
  return {
    id: 'archive-tiering',
    transitions: transitions.map(({ storageClass, days }) => ({ storageClass, transitionAfter: Duration.days(days) })),
    noncurrentVersionTransitions: transitions.map(({ storageClass, days }) => ({
      storageClass,
      transitionAfter: Duration.days(days),
    })),
    abortIncompleteMultipartUploadAfter: Duration.days(7),
  };
}
