import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { environmentNameSchema } from '../../infra/environment-name.ts';
import type { SettingsOverrides } from '../../infra/environments.ts';
import { type SettingsFile, settingsFileSchema } from '../../infra/function-settings.ts';
import { loadSettingsFile } from './load-config.ts';
import { EXIT } from './run-command.ts';

/** Flags of `claimflow infra <action>`, parsed once at the edge. */
export const infraFlagsSchema = z.object({
  environment: environmentNameSchema,
  /** Pins the stack and the cdk CLI to a region; without it the template is region-agnostic. */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'use a region code such as us-east-1')
    .optional(),
  /** The cloud assembly folder (default `cdk.out/<environment>`). */
  out: z.string().min(1).optional(),
  /** The CDK assets bucket, when the account was bootstrapped with `--bootstrap-bucket-name`. */
  assetsBucket: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'use an S3 bucket name')
    .optional(),
  /** Subscribed to every alert (deploy only). */
  alertEmail: z.email().optional(),
  /** Subscribed to critical alerts by SMS (deploy only). */
  alertSms: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'use E.164 form, e.g. +15555550100')
    .optional(),
  redshift: z.boolean().default(false),
  reservedConcurrency: z.coerce.number().int().min(1).max(1000).optional(),
  duckdbMaxBytes: z.coerce.number().int().min(1).optional(),
  /** Monthly budget of the jobs' estimated cost; a day over its thirtieth alarms. */
  monthlyBudgetUsd: z.coerce.number().positive().optional(),
  /** `<function>=<MB>` pairs (`etl=3008`); the environment's sizes otherwise. */
  functionMemory: z.array(z.string().regex(/^[A-Za-z]+=\d+$/, 'use FUNCTION=MB, e.g. etl=3008')).optional(),
  /** `<function>=<seconds>` pairs (`etl=600`). */
  functionTimeout: z.array(z.string().regex(/^[A-Za-z]+=\d+$/, 'use FUNCTION=SECONDS, e.g. etl=600')).optional(),
  /** `<function>=<executions>` pairs (`etl=20`): reserved concurrency of one function. */
  functionConcurrency: z.array(z.string().regex(/^[A-Za-z]+=\d+$/, 'use FUNCTION=EXECUTIONS, e.g. etl=20')).optional(),
  /** YAML or JSON: per environment and function, memory_mb, timeout_s, reserved_concurrency (function-settings.ts). */
  settingsFile: z.string().min(1).optional(),
});

/** `etl=3008` pairs as a record; the settings' schema checks the names and the ranges. */
const pairsOf = (pairs: readonly string[] | undefined): Record<string, string> | undefined =>
  pairs && Object.fromEntries(pairs.map((pair) => pair.split('=') as [string, string]));
export type InfraFlags = z.infer<typeof infraFlagsSchema>;

export type InfraAction = 'synth' | 'validate' | 'diff' | 'deploy';

/** What the command touches outside the process; tests replace the parts only AWS can answer. */
export interface InfraIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly hasCredentials: () => Promise<boolean>;
  /** Runs the installed `cdk` CLI with these arguments and resolves with its exit code. */
  readonly runCdk: (args: readonly string[], env: NodeJS.ProcessEnv) => Promise<number>;
}

const defaultIo: InfraIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  hasCredentials: async () => (await import('../adapters/aws/aws-credentials.ts')).hasAwsCredentials(),
  runCdk: async (args, env) => {
    const { REPO_ROOT } = await import('../../infra/repo-paths.ts');
    return new Promise((done, fail) => {
      const child = spawn(join(REPO_ROOT, 'node_modules/.bin/cdk'), args, { stdio: 'inherit', env });
      child.once('error', fail);
      child.once('close', (code) => done(code ?? EXIT.system));
    });
  },
};

/**
 * `claimflow infra synth|validate|diff|deploy`: synth writes the cloud assembly in-process (no AWS
 * account needed); validate adds cdk-nag (AWS Solutions + HIPAA Security); diff and deploy hand the
 * assembly to the installed `cdk` CLI, and deploy only when validate passes. The CDK is loaded here,
 * not at startup, so other commands do not pay for it.
 */
export async function infraCommand(action: InfraAction, flags: InfraFlags, io: InfraIo = defaultIo): Promise<number> {
  if ((action === 'diff' || action === 'deploy') && !(await io.hasCredentials())) {
    io.err(
      `claimflow infra ${action}: no AWS credentials found. Set AWS_PROFILE (after \`aws configure\` or ` +
        '`aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, then run it again; synth and validate need none.',
    );
    return EXIT.usage;
  }
  const [{ buildApp, stackNameOf }, { checkCompliance, listAcknowledgements }] = await Promise.all([
    import('../../infra/bin/claimflow.ts'),
    import('../../infra/compliance.ts'),
  ]);
  const outdir = resolve(flags.out ?? join('cdk.out', flags.environment));
  const settingsFile: SettingsFile | undefined = flags.settingsFile
    ? await loadSettingsFile(flags.settingsFile, settingsFileSchema)
    : undefined;
  const { app } = buildApp({
    environment: flags.environment,
    outdir,
    region: flags.region,
    assetsBucket: flags.assetsBucket,
    settingsFile,
    overrides: {
      redshift: flags.redshift,
      reservedConcurrency: flags.reservedConcurrency,
      duckdbMaxBytes: flags.duckdbMaxBytes,
      monthlyBudgetUsd: flags.monthlyBudgetUsd,
      functionMemoryMb: pairsOf(flags.functionMemory),
      functionTimeoutSeconds: pairsOf(flags.functionTimeout),
      functionReservedConcurrency: pairsOf(flags.functionConcurrency),
    } as SettingsOverrides,
  });
  const assembly = app.synth();
  for (const stack of assembly.stacks) io.out(`${stack.stackName}\t${join(outdir, stack.templateFile)}`);
  if (action === 'synth') return EXIT.ok;

  const findings = checkCompliance(app);
  for (const finding of findings) {
    io.out(`${finding.level}\t${finding.rule}\t${finding.paths.join(', ')}\t${finding.description}`);
  }
  io.out(
    `cdk-nag (AwsSolutions, HIPAA.Security): ${findings.length} unacknowledged finding(s), ` +
      `${listAcknowledgements(app).length} acknowledged with a reason`,
  );
  // 2, as for a rejected file: the templates were checked and refused.
  if (action === 'validate') return findings.length === 0 ? EXIT.ok : EXIT.fileFailed;
  if (action === 'deploy' && findings.length > 0) {
    io.err('claimflow infra deploy: not deploying a template with unacknowledged cdk-nag findings');
    return EXIT.fileFailed;
  }

  const stackName = stackNameOf(flags.environment);
  const parameters = [
    ...(flags.alertEmail ? ['--parameters', `${stackName}:AlertEmail=${flags.alertEmail}`] : []),
    ...(flags.alertSms ? ['--parameters', `${stackName}:AlertSmsNumber=${flags.alertSms}`] : []),
  ];
  const args = [action, '--app', outdir, stackName, ...(action === 'deploy' ? parameters : [])];
  const env = { ...process.env, ...(flags.region && { AWS_REGION: flags.region, AWS_DEFAULT_REGION: flags.region }) };
  const code = await io.runCdk(args, env);
  if (code !== 0) io.err(`claimflow infra ${action}: cdk exited with ${code}`);
  return code === 0 ? EXIT.ok : EXIT.system;
}
