import { pathToFileURL } from 'node:url';
import { App, DefaultStackSynthesizer, Tags } from 'aws-cdk-lib';
import { z } from 'zod';
import { type EnvironmentName, environmentNameSchema } from '../environment-name.ts';
import { resolveSettings, type SettingsOverrides, settingsOverridesSchema } from '../environments.ts';
import type { SettingsFile } from '../function-settings.ts';
import { REPO_ROOT } from '../repo-paths.ts';
import { ClaimflowStack } from '../stacks/claimflow-stack.ts';
import { stageDuckdbLayer } from '../stage-duckdb-layer.ts';

export interface BuildAppOptions {
  readonly environment: EnvironmentName;
  /** Where the cloud assembly is written (default: CDK's, from `CDK_OUTDIR` or a temporary folder). */
  readonly outdir?: string;
  /** Pins the stack to a region; without it the template is region-agnostic (resolved at deploy time). */
  readonly region?: string;
  /** The CDK assets bucket, when the account was bootstrapped with `--bootstrap-bucket-name`. */
  readonly assetsBucket?: string;
  readonly overrides?: SettingsOverrides;
  /** A settings file, parsed (`--settings-file`): per environment and function, memory, timeout, concurrency. */
  readonly settingsFile?: SettingsFile;
}

export interface BuiltApp {
  readonly app: App;
  readonly stack: ClaimflowStack;
}

export function stackNameOf(environment: EnvironmentName): string {
  return `claimflow-${environment}`;
}

/** The CDK app for one environment. No account is needed: the stack uses CloudFormation's pseudo parameters. */
export function buildApp(options: BuildAppOptions): BuiltApp {
  const app = new App({
    outdir: options.outdir,
    context: {
      // Server access logs are delivered under a bucket policy, not the legacy log-delivery ACL.
      '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
      // Statements on the same resources are merged, keeping each role's policy short.
      '@aws-cdk/aws-iam:minimizePolicies': true,
    },
  });
  // Parsed here as well: overrides come from the CLI, CDK context and tests alike.
  const settings = resolveSettings(
    options.environment,
    settingsOverridesSchema.parse(options.overrides ?? {}),
    options.settingsFile,
  );
  const stack = new ClaimflowStack(app, stackNameOf(settings.name), {
    settings,
    duckdbLayer: stageDuckdbLayer(REPO_ROOT),
    description: `claimflow ${settings.name}: healthcare claims pipeline (S3, Lambda, SNS, SQS, DynamoDB, Glue)`,
    env: options.region ? { region: options.region } : undefined,
    synthesizer: options.assetsBucket
      ? new DefaultStackSynthesizer({ fileAssetsBucketName: options.assetsBucket })
      : undefined,
    terminationProtection: settings.name === 'prod',
  });
  Tags.of(app).add('project', 'claimflow');
  Tags.of(app).add('environment', settings.name);
  Tags.of(app).add('data-classification', 'phi');
  return { app, stack };
}

/** Context the `cdk` CLI passes when it runs this file as the app (`cdk synth -c environment=prod`). */
const cliContextSchema = z.object({
  environment: environmentNameSchema.default('dev'),
  redshift: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional(),
  duckdbMaxBytes: z.coerce.number().int().min(1).optional(),
  monthlyBudgetUsd: z.coerce.number().positive().optional(),
});

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const context = cliContextSchema.parse(JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}'));
  buildApp({
    environment: context.environment,
    overrides: {
      redshift: context.redshift,
      duckdbMaxBytes: context.duckdbMaxBytes,
      monthlyBudgetUsd: context.monthlyBudgetUsd,
    },
  }).app.synth();
}
