import { join } from 'node:path';
import { Duration, RemovalPolicy, Size, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PREFIXES, tablePrefix } from '../../src/domain/store-layout.ts';
import { TABLES } from '../../src/domain/tables/tables.ts';
import { TOPICS, type Topic } from '../../src/pipeline/messages.ts';
import { skipCheckov } from '../compliance.ts';
import { FUNCTION_IDS, type FunctionId } from '../function-ids.ts';
import { LAMBDA_ENTRY_DIR, REPO_ROOT } from '../repo-paths.ts';
import type { FunctionsProps } from './functions-props.ts';
import { ManagedPolicyRole } from './managed-policy-role.ts';
import { grantObjects, type ObjectGrant } from './object-grants.ts';
import { LEDGER_STATUS_INDEX } from './storage.ts';

export { FUNCTION_IDS, type FunctionId } from '../function-ids.ts';

/** The states after which a Glue run does not change again, each finished by glue-completion. */
export const GLUE_FINAL_STATES = ['SUCCEEDED', 'FAILED', 'TIMEOUT', 'STOPPED', 'ERROR'] as const;

interface FunctionSpec {
  /** Entry file in the entry folder, without `.ts`. */
  readonly entry: string;
  readonly description: string;
  /** The objects the function reads, writes and deletes; nothing else in the buckets. */
  readonly objects: readonly ObjectGrant[];
  /** Takes part in jobs: the ledger, publishing on the topics, the manual-review queue. */
  readonly pipeline: boolean;
}

const OUTSIDE_VPC =
  'The functions reach only AWS APIs (S3, SNS, SQS, DynamoDB, Glue, KMS, Redshift Data), over TLS with IAM authentication; no private network resource is involved, and a VPC would need a NAT gateway or an interface endpoint per service in each AZ.';
const UNRESERVED =
  'Reserved concurrency is set only when asked (--reserved-concurrency, --function-concurrency or the settings file): AWS keeps 100 executions unreserved, so reserving for six functions needs a quota a new account does not have; the functions share the account quota, and throttling alarms.';

const RW = ['read', 'write', 'delete'] as const;
/** Every published table's folder (processed/claims/, processed/pharmacy_claim/, ...): written, listed, replaced. */
const TABLE_FOLDERS: ObjectGrant[] = TABLES.map((t) => ({ bucket: 'output', prefix: tablePrefix(t.name), access: RW }));

/** What the DynamoDB ledger does: items by key, transactions of puts and updates, jobs by status. */
const LEDGER_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:ConditionCheckItem',
];

const SPECS: Readonly<Record<FunctionId, FunctionSpec>> = {
  trigger: {
    entry: 'trigger',
    description: 'S3 ObjectCreated on raw/claims/ -> s3-event-trigger',
    // Keys deliveries on what the S3 event says (never reads the object); deletes redelivered copies.
    objects: [{ bucket: 'input', prefix: PREFIXES.inbox, access: ['delete'] }],
    pipeline: true,
  },
  validation: {
    entry: 'validation',
    description: 'claims.validate -> data-validation (file-level checks from the head of the file)',
    // A file failing the head checks is rejected here as etl would: engine (refdata), archive,
    // quarantine, report, inbox copy removed. A direct {bucket, key} request writes only its report.
    objects: [
      { bucket: 'input', prefix: PREFIXES.inbox, access: ['read', 'delete'] },
      { bucket: 'output', prefix: PREFIXES.quarantine, access: ['write'] },
      { bucket: 'output', prefix: PREFIXES.validationReports, access: ['write'] },
      { bucket: 'output', prefix: PREFIXES.archive, access: ['write'] },
      { bucket: 'output', prefix: PREFIXES.refdata, access: ['read'] },
    ],
    pipeline: true,
  },
  etl: {
    entry: 'etl',
    description: 'claims.etl -> etl (DuckDB plan in the function, or the Spark plan on Glue for large files)',
    objects: [
      { bucket: 'input', prefix: PREFIXES.inbox, access: ['read', 'delete'] },
      ...TABLE_FOLDERS,
      { bucket: 'output', prefix: PREFIXES.quarantine, access: RW },
      { bucket: 'output', prefix: PREFIXES.validationReports, access: RW },
      { bucket: 'output', prefix: PREFIXES.archive, access: ['write'] },
      { bucket: 'output', prefix: PREFIXES.temp, access: RW },
      { bucket: 'output', prefix: PREFIXES.refdata, access: ['read'] },
    ],
    pipeline: true,
  },
  glueCompletion: {
    entry: 'glue-completion',
    description:
      "Glue Job State Change of the plan runner -> glue-completion (publishes a Glue run's outputs, or fails its job)",
    objects: [
      // Copied to archive/ and, for a rejected file, quarantine/files/ (server-side: GetObject); removed when rejected.
      { bucket: 'input', prefix: PREFIXES.inbox, access: ['read', 'delete'] },
      { bucket: 'output', prefix: PREFIXES.temp, access: ['read', 'delete'] },
      // Written, and listed and deleted for this source's stale files.
      ...TABLE_FOLDERS,
      { bucket: 'output', prefix: PREFIXES.quarantine, access: RW },
      { bucket: 'output', prefix: PREFIXES.validationReports, access: ['write'] },
      { bucket: 'output', prefix: PREFIXES.archive, access: ['write'] },
    ],
    pipeline: true,
  },
  postProcessing: {
    entry: 'post-processing',
    description: 'claims.post-process -> post-processing (aggregations, warehouse load, removes the inbox copy)',
    objects: [
      { bucket: 'input', prefix: PREFIXES.inbox, access: ['delete'] },
      { bucket: 'output', prefix: PREFIXES.processed, access: RW },
      { bucket: 'output', prefix: PREFIXES.validationReports, access: ['read'] },
      { bucket: 'output', prefix: PREFIXES.temp, access: RW },
      { bucket: 'output', prefix: PREFIXES.refdata, access: ['read'] },
    ],
    pipeline: true,
  },
  errorHandler: {
    entry: 'error-handler',
    description:
      'claims.errors and SUCCEEDED statuses -> error-handler (raises each as an alert by the policy, to SNS, Slack, PagerDuty)',
    // A succeeded job is rated on its report's counts, score and times.
    objects: [{ bucket: 'output', prefix: PREFIXES.validationReports, access: ['read'] }],
    pipeline: false,
  },
};

/** Which processing-topic messages each subscribed function takes (the `topic` message attribute). */
const PROCESSING_SUBSCRIPTIONS: ReadonlyArray<readonly [FunctionId, Topic]> = [
  ['validation', TOPICS.validate],
  ['etl', TOPICS.etl],
  ['postProcessing', TOPICS.postProcess],
];

/**
 * One bundling for every function: identical options let CDK reuse a bundle across apps with the
 * same output folder, and esbuild runs locally (no Docker).
 */
const BUNDLING: nodejs.BundlingOptions = {
  forceDockerBundling: false,
  format: nodejs.OutputFormat.ESM,
  target: 'node24',
  mainFields: ['module', 'main'],
  // DuckDB is native code, shipped in the layer; better-sqlite3 is the local ledger and never runs on AWS.
  externalModules: ['@duckdb/*', 'better-sqlite3'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // Bundled CommonJS dependencies call require(); an ES module has none of its own.
  banner: "import { createRequire as __cfRequire } from 'node:module'; const require = __cfRequire(import.meta.url);",
  logLevel: nodejs.LogLevel.ERROR,
};

/** The six Lambda functions, each with its own role, dead-letter queue and log group. */
export class Functions extends Construct {
  readonly functions: Readonly<Record<FunctionId, nodejs.NodejsFunction>>;
  readonly deadLetterQueues: Readonly<Record<FunctionId, sqs.Queue>>;
  /** Finished runs of the Glue job (every final state) -> glue-completion. */
  readonly glueRunFinishedRule: events.Rule;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { settings, storage, messaging, glueJob, warehouse } = props;
    const layer = new lambda.LayerVersion(this, 'DuckdbLayer', {
      code: lambda.Code.fromAsset(props.duckdbLayerDir, { assetHash: props.duckdbLayerHash }),
      compatibleRuntimes: [lambda.Runtime.NODEJS_24_X],
      compatibleArchitectures: [lambda.Architecture.X86_64],
      description: `DuckDB for Node (${props.duckdbLayerHash})`,
    });
    const environment: Record<string, string> = {
      ENVIRONMENT: settings.name,
      SNS_TOPIC_ARN: messaging.processingTopic.topicArn,
      ERROR_TOPIC_ARN: messaging.errorTopic.topicArn,
      ALERT_TOPIC_ARN: messaging.alertTopic.topicArn,
      ALERT_SECRET_ARN: messaging.alertSecret.secretArn,
      GLUE_JOB_NAME: glueJob.jobName,
      GLUE_MAX_WORKERS: String(settings.glueMaxWorkers),
      INPUT_BUCKET: storage.bucketNames.input,
      OUTPUT_BUCKET: storage.bucketNames.output,
      LEDGER_TABLE: storage.ledgerTable.tableName,
      DEAD_LETTER_QUEUE_URL: messaging.manualReviewQueue.queueUrl,
      DUCKDB_MAX_BYTES: String(settings.duckdbMaxBytes),
      REFDATA_PREFIX: PREFIXES.refdata,
      NODE_OPTIONS: '--enable-source-maps',
      ...(warehouse && {
        REDSHIFT_WORKGROUP: warehouse.workgroupName,
        REDSHIFT_DATABASE: warehouse.database,
        REDSHIFT_LOAD_ROLE_ARN: warehouse.loadRole.roleArn,
      }),
    };

    const functions = {} as Record<FunctionId, nodejs.NodejsFunction>;
    const deadLetterQueues = {} as Record<FunctionId, sqs.Queue>;
    for (const fid of FUNCTION_IDS) {
      deadLetterQueues[fid] = new sqs.Queue(this, `${fid}Dlq`, {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: storage.key,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        // Failed messages are evidence awaiting review: deleting the stack leaves them.
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(deadLetterQueues[fid]).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: `This queue is the dead-letter queue of the ${SPECS[fid].entry} function's asynchronous invocations.`,
      });
      functions[fid] = this.createFunction(fid, props, { environment, layer, deadLetterQueue: deadLetterQueues[fid] });
    }
    this.functions = functions;
    this.deadLetterQueues = deadLetterQueues;
    for (const fid of FUNCTION_IDS) {
      if (settings.functions[fid].reservedConcurrency !== undefined) continue;
      Validations.of(functions[fid]).acknowledge({ id: 'HIPAA.Security-LambdaConcurrency', reason: UNRESERVED });
      skipCheckov(functions[fid], 'CKV_AWS_115', UNRESERVED);
    }
    Validations.of(this).acknowledge({ id: 'HIPAA.Security-LambdaInsideVPC', reason: OUTSIDE_VPC });
    for (const fn of Object.values(functions)) skipCheckov(fn, 'CKV_AWS_117', OUTSIDE_VPC);

    functions.etl.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['glue:StartJobRun', 'glue:GetJobRun'], resources: [glueJob.jobArn] }),
    );
    // The run's --job_id and its error come from GetJobRun: the event carries neither (nor should its message be read).
    functions.glueCompletion.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['glue:GetJobRun'], resources: [glueJob.jobArn] }),
    );
    this.glueRunFinishedRule = new events.Rule(this, 'GlueRunFinished', {
      description: `claimflow ${settings.name}: finished Glue plan runs -> glue-completion`,
      eventPattern: {
        source: ['aws.glue'],
        detailType: ['Glue Job State Change'],
        detail: { jobName: [glueJob.jobName], state: [...GLUE_FINAL_STATES] },
      },
    });
    // Invoked asynchronously: the function's own retries and dead-letter queue apply.
    this.glueRunFinishedRule.addTarget(new targets.LambdaFunction(functions.glueCompletion));
    if (warehouse) this.allowWarehouseLoad(functions.postProcessing, warehouse.workgroupArn);

    for (const [fid, topic] of PROCESSING_SUBSCRIPTIONS) {
      messaging.processingTopic.addSubscription(
        new subscriptions.LambdaSubscription(functions[fid], {
          filterPolicy: { topic: sns.SubscriptionFilter.stringFilter({ allowlist: [topic] }) },
        }),
      );
    }
    // Alarms share the error topic; the error handler takes only the pipeline's error events.
    messaging.errorTopic.addSubscription(
      new subscriptions.LambdaSubscription(functions.errorHandler, {
        filterPolicyWithMessageBody: {
          event_type: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: ['error'] })),
        },
      }),
    );
    // And each job that succeeded, to be rated on its report as `watch` rates it.
    messaging.processingTopic.addSubscription(
      new subscriptions.LambdaSubscription(functions.errorHandler, {
        filterPolicyWithMessageBody: {
          event_type: sns.FilterOrPolicy.filter(
            sns.SubscriptionFilter.stringFilter({ allowlist: ['job_status_update'] }),
          ),
          status: sns.FilterOrPolicy.filter(sns.SubscriptionFilter.stringFilter({ allowlist: ['SUCCEEDED'] })),
        },
      }),
    );
    // The alert function publishes alerts and reads the channels' secret, nothing of the pipeline's.
    functions.errorHandler.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [messaging.alertTopic.topicArn] }),
    );
    functions.errorHandler.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['secretsmanager:GetSecretValue'],
        resources: [messaging.alertSecret.secretArn],
      }),
    );
  }

  private createFunction(
    fid: FunctionId,
    props: FunctionsProps,
    shared: { environment: Record<string, string>; layer: lambda.ILayerVersion; deadLetterQueue: sqs.Queue },
  ): nodejs.NodejsFunction {
    const { settings, storage, messaging } = props;
    const spec = SPECS[fid];
    const role = new ManagedPolicyRole(this, `${fid}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `claimflow ${settings.name}: ${spec.entry} function`,
    });
    const logGroup = new logs.LogGroup(this, `${fid}Logs`, {
      retention: settings.logRetention,
      encryptionKey: storage.key,
    });
    const fn = new nodejs.NodejsFunction(this, fid, {
      entry: join(LAMBDA_ENTRY_DIR, `${spec.entry}.ts`),
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      handler: 'handler',
      description: spec.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.X86_64,
      // Sized per environment (infra/environments.ts); DuckDB takes half the memory (aws-handler-deps).
      memorySize: settings.functions[fid].memoryMb,
      timeout: Duration.seconds(settings.functions[fid].timeoutSeconds),
      // A file up to DUCKDB_MAX_BYTES, its outputs and DuckDB's spill files share /tmp.
      ephemeralStorageSize: Size.gibibytes(2),
      reservedConcurrentExecutions: settings.functions[fid].reservedConcurrency,
      retryAttempts: 2,
      tracing: lambda.Tracing.ACTIVE,
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: shared.environment,
      // The variables name buckets, topics and the table; at rest under the stack's key like the rest.
      environmentEncryption: storage.key,
      layers: [shared.layer],
      bundling: BUNDLING,
    });
    // Set on the resource rather than through `deadLetterQueue`, whose grant adds wildcard KMS actions;
    // the exact ones are granted below, and the role (with its policy) exists before the function.
    (fn.node.defaultChild as lambda.CfnFunction).deadLetterConfig = { targetArn: shared.deadLetterQueue.queueArn };

    logGroup.grantWrite(role);
    grantObjects(role, storage, spec.objects);
    const table = storage.ledgerTable;
    const grants: Array<[string[], string[]]> = [
      [['sqs:SendMessage'], [shared.deadLetterQueue.queueArn]],
      // SSE-KMS of the DLQ and, for pipeline functions, of the table, topics and manual-review queue.
      [['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], [storage.key.keyArn]],
    ];
    if (spec.pipeline) {
      grants.push(
        [LEDGER_ACTIONS, [table.tableArn, `${table.tableArn}/index/${LEDGER_STATUS_INDEX}`]],
        [['sns:Publish'], [messaging.processingTopic.topicArn, messaging.errorTopic.topicArn]],
        [['sqs:SendMessage'], [messaging.manualReviewQueue.queueArn]],
      );
    }
    for (const [actions, resources] of grants)
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
    Validations.of(role.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions.',
    });
    return fn;
  }

  /** COPY and queries through the Redshift Data API, on this workgroup only. */
  private allowWarehouseLoad(fn: nodejs.NodejsFunction, workgroupArn: string): void {
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'redshift-data:ExecuteStatement',
          'redshift-data:BatchExecuteStatement',
          'redshift-serverless:GetCredentials',
        ],
        resources: [workgroupArn],
      }),
    );
    // The Data API authorises these per statement id, and only for the caller who ran the statement.
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: [
          'redshift-data:DescribeStatement',
          'redshift-data:GetStatementResult',
          'redshift-data:CancelStatement',
        ],
        resources: ['*'],
      }),
    );
  }
}
