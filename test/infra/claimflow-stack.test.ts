import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { App, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { type BuiltApp, buildApp } from '../../infra/bin/claimflow.ts';
import { checkCompliance, listAcknowledgements } from '../../infra/compliance.ts';
import type { EnvironmentName } from '../../infra/environment-name.ts';
import { type SettingsFile, settingsFileSchema } from '../../infra/function-settings.ts';
import { JOB_METRIC_NAMES } from '../../src/pipeline/metrics/metric-catalog.ts';

/**
 * One synth per environment (and prod with Redshift), all into one folder: CDK then bundles each
 * Lambda entry once for the whole file instead of once per app.
 */
const outdir = mkdtempSync(join(tmpdir(), 'claimflow-infra-'));
interface Synthesized extends BuiltApp {
  readonly template: Template;
}
const synthesized = new Map<string, Synthesized>();

function synthesize(key: string, environment: EnvironmentName, overrides = {}, settingsFile?: SettingsFile): void {
  const built = buildApp({ environment, outdir, overrides, settingsFile });
  built.app.synth();
  synthesized.set(key, { ...built, template: Template.fromStack(built.stack) });
}

type Key = 'prod' | 'staging' | 'dev' | 'prodRedshift' | 'devFile' | 'prodFile';
function get(key: Key): Synthesized {
  const found = synthesized.get(key);
  assert.ok(found, `${key} was synthesized`);
  return found;
}

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; Condition?: string };
const resourcesOf = (template: Template, type: string): Array<[string, Resource]> =>
  Object.entries(template.findResources(type) as Record<string, Resource>);
const refTo = (template: Template, type: string, props: object = {}): { Ref: string } => {
  const ids = Object.keys(template.findResources(type, { Properties: Match.objectLike(props) }));
  assert.equal(ids.length, 1, `exactly one ${type} matches`);
  return { Ref: ids[0] as string };
};
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const logicalIdOf = (template: Template, type: string, props: object): string => refTo(template, type, props).Ref;

const CONTRACT_ENV = [
  'ENVIRONMENT',
  'SNS_TOPIC_ARN',
  'ERROR_TOPIC_ARN',
  'ALERT_TOPIC_ARN',
  'ALERT_SECRET_ARN',
  'GLUE_JOB_NAME',
  'GLUE_MAX_WORKERS',
  'INPUT_BUCKET',
  'OUTPUT_BUCKET',
  'LEDGER_TABLE',
  'DEAD_LETTER_QUEUE_URL',
  'DUCKDB_MAX_BYTES',
  'REFDATA_PREFIX',
];
const REDSHIFT_ENV = ['REDSHIFT_WORKGROUP', 'REDSHIFT_DATABASE', 'REDSHIFT_LOAD_ROLE_ARN'];

/** A settings file with different values per environment; staging is left out. */
const SETTINGS_FILE = settingsFileSchema.parse({
  environments: {
    dev: {
      functions: {
        etl: { memory_mb: 1024, timeout_s: 120, reserved_concurrency: 2 },
        postProcessing: { memory_mb: 768 },
      },
    },
    prod: {
      functions: {
        etl: { memory_mb: 4096, timeout_s: 800 },
        errorHandler: { reserved_concurrency: 1 },
      },
    },
  },
});

after(() => rmSync(outdir, { recursive: true, force: true }));

before(() => {
  synthesize('prod', 'prod');
  synthesize('staging', 'staging');
  synthesize('dev', 'dev');
  synthesize('prodRedshift', 'prod', {
    redshift: true,
    reservedConcurrency: 250,
    duckdbMaxBytes: 50_000_000,
    monthlyBudgetUsd: 3000,
    functionMemoryMb: { etl: 3008 },
    functionTimeoutSeconds: { etl: 600 },
  });
  // One settings file for every environment, as `--settings-file` reads it.
  synthesize('devFile', 'dev', {}, SETTINGS_FILE);
  synthesize('prodFile', 'prod', { reservedConcurrency: 5, functionTimeoutSeconds: { etl: 600 } }, SETTINGS_FILE);
});

describe('synth', () => {
  it('needs no account: every environment is synthesized account-agnostic, named claimflow-<env>', () => {
    for (const key of ['prod', 'staging', 'dev'] as const) {
      const { stack } = get(key);
      assert.equal(stack.stackName, `claimflow-${key}`);
      assert.ok(Token.isUnresolved(stack.account), 'account is the AWS::AccountId pseudo parameter');
      assert.ok(existsSync(join(outdir, `claimflow-${key}.template.json`)));
    }
    assert.equal(get('prod').stack.terminationProtection, true);
    assert.equal(get('dev').stack.terminationProtection, false);
  });
});

describe('storage', () => {
  it('has a KMS key with rotation that outlives the stack', () => {
    const { template } = get('prod');
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: Match.objectLike({ EnableKeyRotation: true }),
      DeletionPolicy: 'Retain',
    });
    // Alarms and EventBridge publish to the encrypted error topic, CloudWatch Logs writes encrypted log groups.
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          }),
          Match.objectLike({
            Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      }),
    });
  });

  it('encrypts the input and output buckets with the key, versions them, blocks public access and logs access', () => {
    const { template } = get('prod');
    template.resourceCountIs('AWS::S3::Bucket', 3);
    const key = arnOf(logicalIdOf(template, 'AWS::KMS::Key', {}));
    const logs = logicalIdOf(template, 'AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
    });
    for (const role of ['input', 'output']) {
      template.hasResource('AWS::S3::Bucket', {
        Properties: Match.objectLike({
          BucketName: {
            'Fn::Join': ['', [`claimflow-prod-${role}-`, { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]],
          },
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [
              Match.objectLike({
                BucketKeyEnabled: true,
                ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key },
              }),
            ],
          },
          VersioningConfiguration: { Status: 'Enabled' },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
          LoggingConfiguration: { DestinationBucketName: { Ref: logs }, LogFilePrefix: `${role}/` },
        }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    }
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' } }),
      DeletionPolicy: 'Retain',
    });
  });

  it('denies every request without TLS (and below TLS 1.2) on all three buckets', () => {
    const { template } = get('prod');
    const policies = resourcesOf(template, 'AWS::S3::BucketPolicy');
    assert.equal(policies.length, 3);
    for (const [, policy] of policies) {
      const statements = (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
      assert.ok(
        statements.some(
          (s) =>
            s.Effect === 'Deny' &&
            s.Action === 's3:*' &&
            JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
        ),
        'a Deny on aws:SecureTransport=false',
      );
      assert.ok(
        statements.some(
          (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition) === '{"NumericLessThan":{"s3:TlsVersion":1.2}}',
        ),
        'a Deny below TLS 1.2',
      );
    }
  });

  it('tiers objects Standard -> IA (30 d) -> Glacier (90 d) in every environment, -> Deep Archive (365 d) in prod, never expiring them', () => {
    const tiers = [
      { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
      { StorageClass: 'GLACIER', TransitionInDays: 90 },
    ];
    for (const [key, transitions] of [
      ['prod', [...tiers, { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 365 }]],
      ['staging', tiers],
      ['dev', tiers],
    ] as const) {
      const buckets = resourcesOf(get(key).template, 'AWS::S3::Bucket');
      assert.equal(buckets.length, 3);
      for (const [id, bucket] of buckets) {
        const rules = (bucket.Properties.LifecycleConfiguration as { Rules: Array<Record<string, unknown>> }).Rules;
        assert.equal(rules.length, 1, id);
        assert.deepEqual(rules[0]?.Transitions, transitions, `${key} ${id}`);
        assert.deepEqual(rules[0]?.NoncurrentVersionTransitions, transitions, `${key} ${id}`);
        assert.equal(rules[0]?.ExpirationInDays, undefined, `${id} never expires objects`);
        assert.equal(rules[0]?.NoncurrentVersionExpiration, undefined, `${id} never expires old versions`);
      }
    }
  });

  it('has the ledger table of the contract: pk only, on demand, KMS, point-in-time recovery, status-index, retained', () => {
    const { template } = get('prod');
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
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
      DeletionPolicy: 'Retain',
    });
    get('dev').template.hasResourceProperties('AWS::DynamoDB::Table', { DeletionProtectionEnabled: false });
  });
});

describe('messaging', () => {
  it('encrypts the three topics with the key and allows publishing only over TLS', () => {
    const { template } = get('prod');
    const key = arnOf(logicalIdOf(template, 'AWS::KMS::Key', {}));
    template.resourceCountIs('AWS::SNS::Topic', 3);
    for (const [, topic] of resourcesOf(template, 'AWS::SNS::Topic'))
      assert.deepEqual(topic.Properties.KmsMasterKeyId, key);
    for (const [, policy] of resourcesOf(template, 'AWS::SNS::TopicPolicy')) {
      assert.match(JSON.stringify(policy.Properties.PolicyDocument), /"aws:SecureTransport":"false"/);
    }
  });

  it('subscribes validation, etl and post-processing to the processing topic, each filtered on its topic attribute', () => {
    const { template } = get('prod');
    const processing = refTo(template, 'AWS::SNS::Topic', { DisplayName: 'claimflow processing' });
    for (const [handler, topic] of [
      ['data-validation', 'claims.validate'],
      ['etl', 'claims.etl'],
      ['post-processing', 'claims.post-process'],
    ]) {
      const fnId = logicalIdOf(template, 'AWS::Lambda::Function', {
        Description: Match.stringLikeRegexp(`-> ${handler} `),
      });
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'lambda',
        TopicArn: processing,
        Endpoint: arnOf(fnId),
        FilterPolicy: { topic: [topic] },
      });
    }
  });

  it('routes error events and SUCCEEDED statuses to the alert function, alerts to e-mail (all) and SMS (critical, high)', () => {
    const { template } = get('prod');
    const errors = refTo(template, 'AWS::SNS::Topic', { DisplayName: 'claimflow errors' });
    const processing = refTo(template, 'AWS::SNS::Topic', { DisplayName: 'claimflow processing' });
    const alerts = refTo(template, 'AWS::SNS::Topic', { DisplayName: 'claimflow alerts' });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: errors,
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { event_type: ['error'] },
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      TopicArn: processing,
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: { event_type: ['job_status_update'], status: ['SUCCEEDED'] },
    });
    // The dispatcher's alerts: every severity by e-mail, critical and high by SMS (its `severity` attribute).
    template.hasResource('AWS::SNS::Subscription', {
      Properties: {
        Protocol: 'email',
        TopicArn: alerts,
        Endpoint: { Ref: 'AlertEmail' },
        FilterPolicy: Match.absent(),
      },
      Condition: Match.stringLikeRegexp('AlertEmailGiven'),
    });
    template.hasResource('AWS::SNS::Subscription', {
      Properties: {
        Protocol: 'sms',
        TopicArn: alerts,
        Endpoint: { Ref: 'AlertSmsNumber' },
        FilterPolicyScope: Match.absent(),
        FilterPolicy: { severity: ['critical', 'high'] },
      },
      Condition: Match.stringLikeRegexp('AlertSmsGiven'),
    });
    // Alarms, from the error topic, by the severity their description starts with; error events are not mailed raw.
    template.hasResource('AWS::SNS::Subscription', {
      Properties: {
        Protocol: 'email',
        TopicArn: errors,
        FilterPolicyScope: 'MessageBody',
        FilterPolicy: { AlarmName: [{ exists: true }] },
      },
      Condition: Match.stringLikeRegexp('AlarmEmailGiven'),
    });
    template.hasResource('AWS::SNS::Subscription', {
      Properties: {
        Protocol: 'sms',
        TopicArn: errors,
        FilterPolicyScope: 'MessageBody',
        FilterPolicy: { AlarmDescription: [{ prefix: 'critical:' }, { prefix: 'high:' }] },
      },
      Condition: Match.stringLikeRegexp('AlarmSmsGiven'),
    });
    template.hasParameter('AlertEmail', { Type: 'String', Default: '' });
    template.hasParameter('AlertSmsNumber', { Type: 'String', Default: '' });
  });

  it('keeps the alert channels secret in Secrets Manager under the key, with no value in the template', () => {
    const { template } = get('prod');
    const key = arnOf(logicalIdOf(template, 'AWS::KMS::Key', {}));
    const [[id, secret] = []] = resourcesOf(template, 'AWS::SecretsManager::Secret');
    assert.deepEqual(secret?.Properties.KmsKeyId, key);
    assert.equal(secret?.Properties.SecretString, '{}');
    assert.equal(secret?.DeletionPolicy, 'Retain');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('-> error-handler '),
      Environment: { Variables: Match.objectLike({ ALERT_SECRET_ARN: { Ref: id } }) },
    });
  });

  it('keeps the manual-review queue and the six DLQs encrypted with the key for 14 days, beyond the stack', () => {
    const { template } = get('prod');
    const key = arnOf(logicalIdOf(template, 'AWS::KMS::Key', {}));
    template.resourceCountIs('AWS::SQS::Queue', 7);
    for (const [id, queue] of resourcesOf(template, 'AWS::SQS::Queue')) {
      assert.deepEqual(queue.Properties.KmsMasterKeyId, key, id);
      assert.equal(queue.Properties.MessageRetentionPeriod, 14 * 24 * 3600, id);
      assert.equal(queue.DeletionPolicy, 'Retain', id);
    }
    for (const [, policy] of resourcesOf(template, 'AWS::SQS::QueuePolicy')) {
      assert.match(JSON.stringify(policy.Properties.PolicyDocument), /"aws:SecureTransport":"false"/);
    }
  });
});

describe('functions', () => {
  it('runs the six handlers with X-Ray and a DLQ each, reserving concurrency only when asked', () => {
    // No reservation by default: a new account (concurrency quota 10 to 1,000) deploys every environment.
    for (const [key, concurrency] of [
      ['prod', undefined],
      ['staging', undefined],
      ['dev', undefined],
      ['prodRedshift', 250],
    ] as const) {
      const { template } = get(key);
      const functions = resourcesOf(template, 'AWS::Lambda::Function');
      assert.equal(functions.length, 6, key);
      const dlqs = new Set<string>();
      for (const [id, fn] of functions) {
        assert.equal(fn.Properties.Runtime, 'nodejs24.x', id);
        assert.equal(fn.Properties.ReservedConcurrentExecutions, concurrency, `${key} ${id}`);
        assert.deepEqual(fn.Properties.TracingConfig, { Mode: 'Active' }, id);
        const dlq = (fn.Properties.DeadLetterConfig as { TargetArn: { 'Fn::GetAtt': [string, string] } }).TargetArn;
        assert.ok(template.findResources('AWS::SQS::Queue')[dlq['Fn::GetAtt'][0]], `${id} DLQ is a queue of the stack`);
        dlqs.add(dlq['Fn::GetAtt'][0]);
      }
      assert.equal(dlqs.size, 6, 'one dead-letter queue per function');
      const invokeConfigs = resourcesOf(template, 'AWS::Lambda::EventInvokeConfig');
      assert.equal(invokeConfigs.length, 6);
      for (const [, config] of invokeConfigs) assert.equal(config.Properties.MaximumRetryAttempts, 2);
    }
  });

  it('gives every function the environment of the contract, and the Redshift variables only with Redshift', () => {
    for (const [key, expected] of [
      ['prod', CONTRACT_ENV],
      ['prodRedshift', [...CONTRACT_ENV, ...REDSHIFT_ENV]],
    ] as const) {
      for (const [id, fn] of resourcesOf(get(key).template, 'AWS::Lambda::Function')) {
        const variables = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        assert.deepEqual(
          Object.keys(variables)
            .filter((name) => name !== 'NODE_OPTIONS')
            .sort(),
          [...expected].sort(),
          `${key} ${id}`,
        );
        assert.equal(variables.ENVIRONMENT, 'prod');
        assert.equal(variables.DUCKDB_MAX_BYTES, key === 'prod' ? '268435456' : '50000000');
        assert.equal(variables.REFDATA_PREFIX, 'refdata/');
      }
    }
    get('dev').template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ ENVIRONMENT: 'dev' }) },
    });
  });

  it('invokes the trigger on S3 ObjectCreated under raw/claims/ of the input bucket, without a custom resource', () => {
    const { template } = get('prod');
    const trigger = logicalIdOf(template, 'AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('s3-event-trigger'),
    });
    template.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({
        BucketName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['claimflow-prod-input-'])] }),
        NotificationConfiguration: {
          LambdaConfigurations: [
            {
              Event: 's3:ObjectCreated:*',
              Function: arnOf(trigger),
              Filter: { S3Key: { Rules: [{ Name: 'prefix', Value: 'raw/claims/' }] } },
            },
          ],
        },
      }),
      DependsOn: Match.arrayWith([Match.stringLikeRegexp('InboxInvokePermission')]),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 's3.amazonaws.com',
      FunctionName: arnOf(trigger),
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  it('sizes each function from its environment settings, one function overridable', () => {
    const sizes = (key: 'prod' | 'dev' | 'prodRedshift') =>
      Object.fromEntries(
        resourcesOf(get(key).template, 'AWS::Lambda::Function').map(([, fn]) => [
          String(fn.Properties.Description).split(' -> ')[1]?.split(' ')[0],
          [fn.Properties.MemorySize, fn.Properties.Timeout],
        ]),
      );
    const measured = {
      's3-event-trigger': [512, 300],
      'data-validation': [512, 300],
      etl: [2048, 900],
      'glue-completion': [512, 300],
      'post-processing': [1024, 900],
      'error-handler': [512, 300],
    };
    assert.deepEqual(sizes('prod'), measured);
    assert.deepEqual(sizes('dev'), measured);
    assert.deepEqual(sizes('prodRedshift'), { ...measured, etl: [3008, 600] });
  });

  it('takes memory, timeout and concurrency per environment and function from a settings file, flags first', () => {
    const fn = (name: string, props: object) =>
      Match.objectLike({ Description: Match.stringLikeRegexp(`-> ${name} `), ...props });
    const dev = get('devFile').template;
    dev.hasResourceProperties(
      'AWS::Lambda::Function',
      fn('etl', { MemorySize: 1024, Timeout: 120, ReservedConcurrentExecutions: 2 }),
    );
    dev.hasResourceProperties('AWS::Lambda::Function', fn('post-processing', { MemorySize: 768, Timeout: 900 }));
    // What dev's entry leaves out keeps dev's own values: no reservation, the measured sizes.
    dev.hasResourceProperties(
      'AWS::Lambda::Function',
      fn('data-validation', { MemorySize: 512, Timeout: 300, ReservedConcurrentExecutions: Match.absent() }),
    );
    const prod = get('prodFile').template;
    // --function-timeout etl=600 wins over the file's 800; the file's memory stays.
    prod.hasResourceProperties('AWS::Lambda::Function', fn('etl', { MemorySize: 4096, Timeout: 600 }));
    // The file's reservation of one function wins over --reserved-concurrency, which the others take.
    prod.hasResourceProperties('AWS::Lambda::Function', fn('error-handler', { ReservedConcurrentExecutions: 1 }));
    const reserved = resourcesOf(prod, 'AWS::Lambda::Function').map(
      ([, f]) => f.Properties.ReservedConcurrentExecutions,
    );
    assert.deepEqual(reserved.sort(), [1, 5, 5, 5, 5, 5]);
    // dev's values did not leak into prod, nor prod's into dev.
    prod.hasResourceProperties('AWS::Lambda::Function', fn('post-processing', { MemorySize: 1024 }));
    dev.hasResourceProperties(
      'AWS::Lambda::Function',
      fn('error-handler', { MemorySize: 512, ReservedConcurrentExecutions: Match.absent() }),
    );
  });

  it('refuses a settings file with an unknown function, field or environment, or a value Lambda would refuse', () => {
    for (const bad of [
      { environments: { dev: { functions: { etll: { memory_mb: 1024 } } } } },
      { environments: { dev: { functions: { etl: { memory: 1024 } } } } },
      { environments: { qa: { functions: {} } } },
      { environments: { dev: { functions: { etl: { memory_mb: 64 } } } } },
      { environments: { dev: { functions: { etl: { timeout_s: 901 } } } } },
      { environments: { dev: { functions: { etl: { reserved_concurrency: 0 } } } } },
    ]) {
      assert.equal(settingsFileSchema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it('sets log retention per environment and encrypts the log groups', () => {
    // dev keeps its logs longer than staging: failures are debugged there.
    for (const [key, days] of [
      ['prod', 365],
      ['staging', 90],
      ['dev', 180],
    ] as const) {
      const groups = resourcesOf(get(key).template, 'AWS::Logs::LogGroup');
      assert.equal(groups.length, 6);
      for (const [, group] of groups) {
        assert.equal(group.Properties.RetentionInDays, days, key);
        assert.ok(group.Properties.KmsKeyId, `${key} log group encrypted`);
      }
    }
  });

  it('bundles each entry with local esbuild: DuckDB left to the layer, better-sqlite3 nowhere', () => {
    const { template } = get('prod');
    const bundles = resourcesOf(template, 'AWS::Lambda::Function').map(([id, fn]) => {
      const key = (fn.Properties.Code as { S3Key: string }).S3Key;
      const file = join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
      assert.ok(existsSync(file), `${id} bundle at ${file}`);
      return readFileSync(file, 'utf8');
    });
    assert.equal(bundles.length, 6);
    for (const bundle of bundles) assert.doesNotMatch(bundle, /better-sqlite3/);
    // Every function writes its jobs' metrics through the one EMF module, which knows every metric name.
    for (const bundle of bundles) {
      assert.match(bundle, /CloudWatchMetrics/);
      for (const name of JOB_METRIC_NAMES) assert.ok(bundle.includes(`${name}:`), `bundle knows ${name}`);
    }
    assert.ok(
      bundles.some((bundle) => /from"@duckdb\/node-api"/.test(bundle)),
      'DuckDB is imported, not inlined',
    );
    const layers = resourcesOf(template, 'AWS::Lambda::LayerVersion').map(([, layer]) => layer.Properties);
    assert.equal(layers.length, 1);
    const [layer] = layers as [Record<string, unknown>];
    assert.deepEqual(layer.CompatibleRuntimes, ['nodejs24.x']);
    const layerKey = (layer.Content as { S3Key: string }).S3Key.replace(/\.zip$/, '');
    for (const file of ['@duckdb/node-api/package.json', '@duckdb/node-bindings-linux-x64/duckdb.node']) {
      assert.ok(existsSync(join(outdir, `asset.${layerKey}`, 'nodejs/node_modules', file)), `layer holds ${file}`);
    }
  });
});

describe('glue job', () => {
  it('runs glue/run_plan.py on Glue 5 with autoscaling workers under a KMS security configuration', () => {
    const { template } = get('prod');
    const securityConfiguration = logicalIdOf(template, 'AWS::Glue::SecurityConfiguration', {});
    template.hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      Name: 'claimflow-prod-glue',
      EncryptionConfiguration: {
        CloudWatchEncryption: Match.objectLike({ CloudWatchEncryptionMode: 'SSE-KMS' }),
        JobBookmarksEncryption: Match.objectLike({ JobBookmarksEncryptionMode: 'CSE-KMS' }),
        S3Encryptions: [Match.objectLike({ S3EncryptionMode: 'SSE-KMS' })],
      },
    });
    template.hasResourceProperties('AWS::Glue::Job', {
      Name: 'claimflow-prod-run-plan',
      GlueVersion: '5.0',
      WorkerType: 'G.1X',
      NumberOfWorkers: 20,
      Command: Match.objectLike({ Name: 'glueetl', ScriptLocation: Match.anyValue() }),
      SecurityConfiguration: 'claimflow-prod-glue',
      DefaultArguments: Match.objectLike({ '--enable-auto-scaling': 'true', '--enable-metrics': 'true' }),
    });
    template.hasResource('AWS::Glue::Job', { DependsOn: Match.arrayWith([securityConfiguration]) });
    assert.ok(
      existsSync(join(outdir, 'claimflow-prod.assets.json')) &&
        readFileSync(join(outdir, 'claimflow-prod.assets.json'), 'utf8').includes('.py'),
      'the runner script is an asset of the stack',
    );
    get('dev').template.hasResourceProperties('AWS::Glue::Job', { NumberOfWorkers: 4 });
    // The etl function sizes each run by its file, within the job's own ceiling.
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('-> etl '),
      Environment: { Variables: Match.objectLike({ GLUE_MAX_WORKERS: '20' }) },
    });
  });
});

describe('glue completion', () => {
  const completionOf = (template: Template): string =>
    logicalIdOf(template, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp('-> glue-completion ') });

  it('sends every final state of the plan runner’s runs, and nothing else, to the glue-completion function', () => {
    const { template } = get('prod');
    const fn = completionOf(template);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        source: ['aws.glue'],
        'detail-type': ['Glue Job State Change'],
        detail: { jobName: ['claimflow-prod-run-plan'], state: ['SUCCEEDED', 'FAILED', 'TIMEOUT', 'STOPPED', 'ERROR'] },
      }),
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: arnOf(fn) })],
    });
    const rule = logicalIdOf(template, 'AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ state: Match.arrayWith(['SUCCEEDED']) }) }),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: arnOf(fn),
      SourceArn: arnOf(rule),
    });
    get('dev').template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({ detail: Match.objectLike({ jobName: ['claimflow-dev-run-plan'] }) }),
    });
  });

  it('runs like the other functions: 512 MB, 5 minutes, reserved concurrency, X-Ray, 2 retries, its own DLQ and logs', () => {
    const { template } = get('prod');
    const fn = completionOf(template);
    const { Properties: props } = template.toJSON().Resources[fn] as Resource;
    assert.equal(props.Handler, 'index.handler');
    assert.equal(props.Runtime, 'nodejs24.x');
    assert.equal(props.MemorySize, 512);
    assert.equal(props.Timeout, 300);
    assert.equal(props.ReservedConcurrentExecutions, undefined);
    assert.deepEqual(props.TracingConfig, { Mode: 'Active' });
    const dlq = (props.DeadLetterConfig as { TargetArn: { 'Fn::GetAtt': [string, string] } }).TargetArn[
      'Fn::GetAtt'
    ][0];
    const others = resourcesOf(template, 'AWS::Lambda::Function')
      .filter(([id]) => id !== fn)
      .map(([, other]) => JSON.stringify(other.Properties.DeadLetterConfig));
    assert.ok(
      others.every((config) => !config.includes(`"${dlq}"`)),
      'a dead-letter queue of its own',
    );
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fn },
      MaximumRetryAttempts: 2,
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    assert.deepEqual(
      Object.keys((props.Environment as { Variables: Record<string, unknown> }).Variables)
        .filter((name) => name !== 'NODE_OPTIONS')
        .sort(),
      [...CONTRACT_ENV].sort(),
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'claimflow-prod-glueCompletionDlqMessages',
      Threshold: 1,
    });
  });
});

describe('monitoring', () => {
  it('routes every alarm to the error topic with a severity first in its description', () => {
    const { template } = get('prod');
    const errors = refTo(template, 'AWS::SNS::Topic', { DisplayName: 'claimflow errors' });
    const alarms = resourcesOf(template, 'AWS::CloudWatch::Alarm');
    // errors and throttles per function (12), messages on each DLQ and the manual-review queue (7), etl near
    // timeout (1), error rate, quality score and cost overrun from the pipeline's metrics (3)
    assert.equal(alarms.length, 23);
    const severities = new Map<string, string>();
    for (const [, alarm] of alarms) {
      assert.deepEqual(alarm.Properties.AlarmActions, [errors]);
      const [severity] = String(alarm.Properties.AlarmDescription).split(':');
      assert.ok(
        ['critical', 'high', 'medium', 'low'].includes(severity ?? ''),
        String(alarm.Properties.AlarmDescription),
      );
      severities.set(String(alarm.Properties.AlarmName), severity ?? '');
    }
    assert.equal(severities.get('claimflow-prod-errorHandlerErrors'), 'critical');
    assert.equal(severities.get('claimflow-prod-etlErrors'), 'critical');
    assert.equal(severities.get('claimflow-prod-etlThrottles'), 'medium');
    assert.equal(severities.get('claimflow-prod-manualReviewMessages'), 'high');
    assert.equal(severities.get('claimflow-prod-etlNearTimeout'), 'low');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'claimflow-prod-etlDlqMessages',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'claimflow-prod-triggerThrottles',
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
    });
  });

  it('reads exactly the metrics the functions emit, in the dashboard and the alarms', () => {
    for (const key of ['prod', 'dev'] as const) {
      const { template } = get(key);
      const [[, dashboard] = []] = resourcesOf(template, 'AWS::CloudWatch::Dashboard');
      const body = JSON.stringify(dashboard?.Properties.DashboardBody).replace(/\\+"/g, '"');
      const onDashboard = new Set([
        ...[...body.matchAll(/\["claimflow","([a-z_]+)","environment","([a-z]+)"/g)].map(([, name, env]) => {
          assert.equal(env, key);
          return name;
        }),
        ...[...body.matchAll(/SEARCH\('\{claimflow,[^}]*\} MetricName="([a-z_]+)" environment="([a-z]+)"/g)].map(
          ([, name, env]) => {
            assert.equal(env, key);
            return name;
          },
        ),
      ]);
      assert.deepEqual([...onDashboard].sort(), [...JOB_METRIC_NAMES].sort());
      const inAlarms = resourcesOf(template, 'AWS::CloudWatch::Alarm').flatMap(([, { Properties: p }]) => {
        const metrics = [
          ...(p.Namespace ? [p as { Namespace: string; MetricName: string }] : []),
          ...(
            (p.Metrics as Array<{ MetricStat?: { Metric: { Namespace: string; MetricName: string } } }>) ?? []
          ).flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : [])),
        ];
        return metrics.filter((m) => m.Namespace === 'claimflow').map((m) => m.MetricName);
      });
      assert.deepEqual([...new Set(inAlarms)].sort(), [
        'estimated_cost_usd',
        'quality_score',
        'records_quarantined',
        'records_valid',
      ]);
      for (const name of inAlarms) assert.ok((JOB_METRIC_NAMES as string[]).includes(name), name);
    }
  });

  it('alarms as the local policy does on error rate (high) and quality (medium), and on cost over the budget', () => {
    const { template } = get('prod');
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'claimflow-prod-errorRate',
      AlarmDescription: Match.stringLikeRegexp('^high: '),
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 5,
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'IF(valid + quarantined > 0, 100 * quarantined / (valid + quarantined), 0)' }),
      ]),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'claimflow-prod-qualityScore',
      AlarmDescription: Match.stringLikeRegexp('^medium: '),
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 90,
      Namespace: 'claimflow',
      MetricName: 'quality_score',
      Dimensions: [{ Name: 'environment', Value: 'prod' }],
      Statistic: 'Minimum',
    });
    const cost = (key: 'prod' | 'dev' | 'prodRedshift', budget: number) =>
      get(key).template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `claimflow-prod-costOverrun`.replace('prod', key === 'dev' ? 'dev' : 'prod'),
        MetricName: 'estimated_cost_usd',
        Statistic: 'Sum',
        Period: 86400,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: budget / 30,
        AlarmDescription: Match.stringLikeRegexp(`monthly budget of ${budget} USD|${budget} USD monthly budget`),
      });
    cost('prod', 500);
    cost('dev', 25);
    cost('prodRedshift', 3000);
  });

  it('sends failed, timed-out and errored Glue runs to the error topic as pipeline error events', () => {
    const { template } = get('prod');
    const errors = refTo(template, 'AWS::SNS::Topic', { DisplayName: 'claimflow errors' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.glue'],
        'detail-type': ['Glue Job State Change'],
        detail: { jobName: ['claimflow-prod-run-plan'], state: ['FAILED', 'TIMEOUT', 'ERROR'] },
      },
      Targets: [
        Match.objectLike({
          Arn: errors,
          InputTransformer: Match.objectLike({
            InputTemplate: Match.stringLikeRegexp('"event_type":"error".*"error_type":"system"'),
          }),
        }),
      ],
    });
  });

  it('draws the pipeline dashboard: volume, error rate, duration, DLQ depth, Glue job state', () => {
    const { template } = get('prod');
    const [[, dashboard] = []] = resourcesOf(template, 'AWS::CloudWatch::Dashboard');
    assert.equal(dashboard?.Properties.DashboardName, 'claimflow-prod');
    const body = JSON.stringify(dashboard?.Properties.DashboardBody);
    for (const title of [
      'Volume',
      'Error rate',
      'Duration p95',
      'Dead-letter queue depth',
      'Glue job state',
      'Alarms',
    ]) {
      assert.ok(body.includes(title), `widget ${title}`);
    }
  });
});

describe('iam', () => {
  type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };
  const statementsOf = (template: Template): Array<[string, Statement]> =>
    resourcesOf(template, 'AWS::IAM::ManagedPolicy').flatMap(([id, policy]) =>
      (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.map((s): [string, Statement] => [
        id,
        s,
      ]),
    );
  const actionsOf = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
  const resourcesOfStatement = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

  it('gives each function and Glue its own role, with managed (not inline) policies', () => {
    const { template } = get('prod');
    template.resourceCountIs('AWS::IAM::Role', 7);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 7);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const roles = new Set(
      resourcesOf(template, 'AWS::Lambda::Function').map(([, fn]) => JSON.stringify(fn.Properties.Role)),
    );
    assert.equal(roles.size, 6);
  });

  it('lets the alert function read reports, the channels secret and publish alerts only: no claim data, ledger or pipeline topics', () => {
    const { template } = get('prod');
    const errorHandler = logicalIdOf(template, 'AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('-> error-handler '),
    });
    const handlerFunction = template.toJSON().Resources[errorHandler] as Resource;
    const [role] = (handlerFunction.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    const actions = statementsOf(template)
      .filter(([id]) => JSON.stringify(template.toJSON().Resources[id].Properties.Roles).includes(role))
      .flatMap(([, statement]) => actionsOf(statement))
      .sort();
    assert.deepEqual(actions, [
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      's3:GetObject',
      's3:ListBucket',
      'secretsmanager:GetSecretValue',
      'sns:Publish',
      'sqs:SendMessage',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ]);
  });

  it('uses Resource "*" only for actions AWS cannot scope (X-Ray, Glue metrics, Data API statements)', () => {
    const allowed = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'cloudwatch:PutMetricData',
      'redshift-data:DescribeStatement',
      'redshift-data:GetStatementResult',
      'redshift-data:CancelStatement',
    ]);
    let wildcards = 0;
    for (const key of ['prod', 'prodRedshift'] as const) {
      for (const [id, statement] of statementsOf(get(key).template)) {
        if (!resourcesOfStatement(statement).includes('*')) continue;
        wildcards += 1;
        for (const action of actionsOf(statement)) assert.ok(allowed.has(action), `${id}: ${action} on *`);
        if (actionsOf(statement).includes('cloudwatch:PutMetricData')) {
          assert.deepEqual(statement.Condition, { StringEquals: { 'cloudwatch:namespace': 'Glue' } });
        }
        assert.ok(
          actionsOf(statement).every((action) => !action.includes('*')),
          `${id}: no wildcard actions`,
        );
      }
    }
    assert.ok(wildcards >= 7, 'the X-Ray statements of the six functions and the Glue metrics are there');
  });

  /** Each action granted to the function whose description has `marker`, S3 objects as `bucket:/prefix/*`. */
  function grantedTo(template: Template, marker: string): Map<string, string[]> {
    const fn = logicalIdOf(template, 'AWS::Lambda::Function', { Description: Match.stringLikeRegexp(marker) });
    const { Properties: props } = template.toJSON().Resources[fn] as Resource;
    const [role] = (props.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    const statements = statementsOf(template)
      .filter(([id]) => JSON.stringify(template.toJSON().Resources[id].Properties.Roles).includes(role))
      .map(([, statement]) => statement);
    const granted = new Map<string, string[]>();
    for (const statement of statements) {
      for (const action of actionsOf(statement)) {
        const resources = resourcesOfStatement(statement).map((resource) => {
          const parts = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1];
          if (!parts || !action.startsWith('s3:')) return JSON.stringify(resource);
          const bucket = JSON.stringify(parts).includes('claimflow-prod-input-') ? 'input' : 'output';
          return `${bucket}:${String(parts.at(-1))}`;
        });
        granted.set(action, [...(granted.get(action) ?? []), ...resources].sort());
      }
    }
    return granted;
  }

  it('lets data-validation reject a file as etl would and answer a direct request: inbox, refdata, archive, quarantine, reports', () => {
    const granted = grantedTo(get('prod').template, '-> data-validation ');
    assert.deepEqual(granted.get('s3:GetObject'), ['input:/raw/claims/*', 'output:/refdata/*']);
    assert.deepEqual(granted.get('s3:PutObject'), [
      'output:/archive/*',
      'output:/quarantine/*',
      'output:/validation-reports/*',
    ]);
    assert.deepEqual(granted.get('s3:DeleteObject'), ['input:/raw/claims/*']);
  });

  it('lets glue-completion read Glue runs and move a job’s outputs out of temp/, nothing more', () => {
    const { template } = get('prod');
    const granted = grantedTo(template, '-> glue-completion ');
    // Every published table's folder: a Glue run may publish any table.
    const tables = [
      'output:/processed/claims/*',
      'output:/processed/eligibility/*',
      'output:/processed/pharmacy_claim/*',
      'output:/processed/provider/*',
    ];
    assert.deepEqual(granted.get('s3:GetObject'), [
      'input:/raw/claims/*',
      ...tables,
      'output:/quarantine/*',
      'output:/temp/*',
    ]);
    assert.deepEqual(granted.get('s3:PutObject'), [
      'output:/archive/*',
      ...tables,
      'output:/quarantine/*',
      'output:/validation-reports/*',
    ]);
    assert.deepEqual(granted.get('s3:DeleteObject'), [
      'input:/raw/claims/*',
      ...tables,
      'output:/quarantine/*',
      'output:/temp/*',
    ]);
    const glueJob = JSON.stringify(granted.get('glue:GetJobRun'));
    assert.match(glueJob, /:job\/claimflow-prod-run-plan/);
    assert.equal(granted.has('glue:StartJobRun'), false, 'it starts no run');
    const ids = (type: string) => resourcesOf(template, type).map(([id]) => id);
    // The pipeline's topics; alerts are the alert function's to publish.
    assert.deepEqual(
      granted.get('sns:Publish'),
      ids('AWS::SNS::Topic')
        .filter((id) => !id.includes('AlertTopic'))
        .map((id) => JSON.stringify({ Ref: id }))
        .sort(),
    );
    const table = arnOf(ids('AWS::DynamoDB::Table')[0] ?? '');
    assert.ok(granted.get('dynamodb:UpdateItem')?.includes(JSON.stringify(table)), 'the ledger table');
    const fn = logicalIdOf(template, 'AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('-> glue-completion '),
    });
    const dlq = ((template.toJSON().Resources[fn] as Resource).Properties.DeadLetterConfig as { TargetArn: object })
      .TargetArn;
    const review = arnOf(ids('AWS::SQS::Queue').find((id) => id.includes('ManualReviewQueue')) ?? '');
    assert.deepEqual(
      granted.get('sqs:SendMessage'),
      [JSON.stringify(dlq), JSON.stringify(review)].sort(),
      'its DLQ and the manual-review queue',
    );
  });

  it('scopes S3 access to layout prefixes, never a whole bucket: the trigger touches raw/claims/ of the input bucket only', () => {
    const { template } = get('prod');
    const trigger = logicalIdOf(template, 'AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('s3-event-trigger'),
    });
    const triggerFunction = template.toJSON().Resources[trigger] as Resource;
    const [triggerRole] = (triggerFunction.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    const policy = resourcesOf(template, 'AWS::IAM::ManagedPolicy').find(([, p]) =>
      JSON.stringify(p.Properties.Roles).includes(triggerRole),
    );
    assert.ok(policy);
    const s3 = JSON.stringify(
      (policy[1].Properties.PolicyDocument as { Statement: Statement[] }).Statement.filter((s) =>
        actionsOf(s).some((a) => a.startsWith('s3:')),
      ),
    );
    assert.match(s3, /claimflow-prod-input-/);
    assert.doesNotMatch(s3, /claimflow-prod-output-/);
    assert.match(s3, /\/raw\/claims\/\*/);
    // It keys deliveries on the S3 event and deletes redelivered copies: it never reads an object.
    assert.match(s3, /s3:DeleteObject/);
    assert.doesNotMatch(s3, /s3:GetObject/);
    for (const [id, statement] of statementsOf(template)) {
      for (const action of actionsOf(statement)) assert.ok(!['s3:*', 'kms:*', 'dynamodb:*', 'sns:*'].includes(action));
      if (!actionsOf(statement).some((a) => ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'].includes(a))) continue;
      // Object ARNs of the data buckets end in a layout prefix, never in `bucket/*`.
      for (const resource of resourcesOfStatement(statement)) {
        const parts = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join']?.[1] ?? [];
        const tail = String(parts.at(-1));
        if (!JSON.stringify(parts).includes('claimflow-prod-')) continue;
        assert.match(tail, /^\/[a-z-]+\/([a-z_-]+\/)?\*$/, `${id}: ${tail}`);
      }
    }
  });
});

describe('warehouse', () => {
  it('is off by default', () => {
    for (const key of ['prod', 'staging', 'dev'] as const) {
      get(key).template.resourceCountIs('AWS::RedshiftServerless::Workgroup', 0);
      get(key).template.resourceCountIs('AWS::RedshiftServerless::Namespace', 0);
    }
  });

  it('adds a private, KMS-encrypted Redshift Serverless workgroup and a read-only load role when asked', () => {
    const { template } = get('prodRedshift');
    template.hasResource('AWS::RedshiftServerless::Namespace', {
      Properties: Match.objectLike({
        DbName: 'claims',
        KmsKeyId: Match.anyValue(),
        ManageAdminPassword: true,
        LogExports: ['userlog', 'connectionlog', 'useractivitylog'],
      }),
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::RedshiftServerless::Workgroup', {
      WorkgroupName: 'claimflow-prod',
      PubliclyAccessible: false,
      // No S3 endpoint in the default VPC: with enhanced VPC routing COPY could not reach the bucket.
      EnhancedVpcRouting: false,
      ConfigParameters: Match.arrayWith([{ ParameterKey: 'require_ssl', ParameterValue: 'true' }]),
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: ['redshift-serverless.amazonaws.com', 'redshift.amazonaws.com'] } }),
        ]),
      }),
    });
    const workgroup = logicalIdOf(template, 'AWS::RedshiftServerless::Workgroup', {});
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['redshift-data:ExecuteStatement']),
            Resource: { 'Fn::GetAtt': [workgroup, 'Workgroup.WorkgroupArn'] },
          }),
        ]),
      }),
    });
  });
});

describe('cdk-nag', () => {
  it('finds nothing unacknowledged under AwsSolutions and HIPAA Security, in every environment and with Redshift', () => {
    for (const key of ['prod', 'staging', 'dev', 'prodRedshift', 'devFile', 'prodFile'] as const) {
      const findings = checkCompliance(get(key).app);
      assert.deepEqual(
        findings.map((f) => `${f.rule} ${f.paths.join(',')}`),
        [],
        key,
      );
    }
  });

  it('states a reason for every acknowledgement', () => {
    const acknowledgements = listAcknowledgements(get('prodRedshift').app);
    assert.ok(acknowledgements.length > 10, `${acknowledgements.length} acknowledgements`);
    for (const { path, rule, reason } of acknowledgements) {
      assert.ok(reason.length >= 40 && /\s/.test(reason), `${path} ${rule}: "${reason}"`);
    }
    const rules = new Set(acknowledgements.map((a) => a.rule));
    for (const rule of [
      'HIPAA.Security-LambdaInsideVPC',
      'AwsSolutions-S1',
      'AwsSolutions-SQS3',
      'AwsSolutions-IAM5[Resource::*]',
    ]) {
      assert.ok(rules.has(rule), rule);
    }
  });

  it('does report a bucket that breaks the rules (the checks can fail)', () => {
    const app = new App({ outdir: join(outdir, 'careless') });
    const stack = new Stack(app, 'careless');
    new s3.Bucket(stack, 'Plain');
    app.synth();
    const rules = new Set(checkCompliance(app).map((f) => f.rule));
    for (const rule of [
      'AwsSolutions-S1',
      'AwsSolutions-S10',
      'HIPAA.Security-S3BucketVersioningEnabled',
      'HIPAA.Security-S3DefaultEncryptionKMS',
      'HIPAA.Security-S3BucketSSLRequestsOnly',
    ]) {
      assert.ok(rules.has(rule), `${rule} in ${[...rules].join(', ')}`);
    }
  });
});
