import { Aws, Validations } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { PREFIXES } from '../../src/domain/store-layout.ts';
import { GLUE_WORKER_TYPE } from '../../src/plan/glue-workers.ts';
import { acknowledgeWildcardResources } from '../compliance.ts';
import { GLUE_SCRIPT } from '../repo-paths.ts';
import type { GlueJobProps } from './glue-job-props.ts';
import { ManagedPolicyRole } from './managed-policy-role.ts';
import { grantObjects } from './object-grants.ts';

/** The Spark side of the pipeline: the generic plan runner on Glue, for files too large for a function. */
export class GlueJob extends Construct {
  readonly jobName: string;
  readonly jobArn: string;
  readonly role: ManagedPolicyRole;

  constructor(scope: Construct, id: string, props: GlueJobProps) {
    super(scope, id);
    const { settings, storage } = props;
    const name = `claimflow-${settings.name}-run-plan`;

    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: `claimflow ${settings.name}: Glue plan runner`,
    });
    const script = new s3assets.Asset(this, 'RunPlanScript', { path: GLUE_SCRIPT });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [`${script.bucket.bucketArn}/${script.s3ObjectKey}`],
      }),
    );
    const readWrite = ['read', 'write', 'delete'] as const;
    grantObjects(this.role, storage, [
      { bucket: 'input', prefix: PREFIXES.inbox, access: ['read'] },
      { bucket: 'output', prefix: PREFIXES.refdata, access: ['read'] },
      { bucket: 'output', prefix: PREFIXES.temp, access: readWrite },
      { bucket: 'output', prefix: PREFIXES.processedClaims, access: readWrite },
      { bucket: 'output', prefix: PREFIXES.quarantine, access: readWrite },
      { bucket: 'output', prefix: PREFIXES.validationReports, access: readWrite },
      { bucket: 'output', prefix: PREFIXES.archive, access: ['write'] },
    ]);
    // Glue names its log groups per run under /aws-glue/ and encrypts them with the security configuration's key.
    const glueLogs = `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws-glue/*`;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
        resources: [glueLogs],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [storage.key.keyArn],
      }),
    );
    acknowledgeWildcardResources(
      this.role.policy,
      [glueLogs],
      'Glue names its log groups and streams under /aws-glue/ per run and security configuration; they are not known in advance.',
    );
    Validations.of(this.role.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the Glue namespace.',
    });

    const securityConfiguration = new glue.CfnSecurityConfiguration(this, 'SecurityConfiguration', {
      name: `claimflow-${settings.name}-glue`,
      encryptionConfiguration: {
        cloudWatchEncryption: { cloudWatchEncryptionMode: 'SSE-KMS', kmsKeyArn: storage.key.keyArn },
        jobBookmarksEncryption: { jobBookmarksEncryptionMode: 'CSE-KMS', kmsKeyArn: storage.key.keyArn },
        s3Encryptions: [{ s3EncryptionMode: 'SSE-KMS', kmsKeyArn: storage.key.keyArn }],
      },
    });

    const job = new glue.CfnJob(this, 'Job', {
      name,
      description: 'Runs a staged Spark SQL plan written by the etl function (--plan s3://.../plan.json)',
      role: this.role.roleArn,
      command: { name: 'glueetl', pythonVersion: '3', scriptLocation: script.s3ObjectUrl },
      glueVersion: '5.0',
      workerType: GLUE_WORKER_TYPE,
      // With autoscaling this is the ceiling; Glue adds and releases workers as stages need them.
      numberOfWorkers: settings.glueMaxWorkers,
      securityConfiguration: securityConfiguration.name,
      executionProperty: { maxConcurrentRuns: 10 },
      maxRetries: 0,
      timeout: 120,
      defaultArguments: {
        '--enable-auto-scaling': 'true',
        '--enable-metrics': 'true',
        '--enable-observability-metrics': 'true',
        '--enable-continuous-cloudwatch-log': 'true',
        // A plan names its inputs and outputs; there is no incremental state to bookmark.
        '--job-bookmark-option': 'job-bookmark-disable',
        '--TempDir': `s3://${storage.bucketNames.output}/${PREFIXES.glueTemp}`,
      },
    });
    job.node.addDependency(this.role.policy, securityConfiguration);
    this.jobName = name;
    this.jobArn = `arn:${Aws.PARTITION}:glue:${Aws.REGION}:${Aws.ACCOUNT_ID}:job/${name}`;
  }
}
