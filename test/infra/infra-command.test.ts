import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type InfraIo, infraCommand, infraFlagsSchema } from '../../src/cli/infra-command.ts';
import { ConfigError } from '../../src/domain/errors.ts';

/** One assembly folder for the file, so the Lambda bundles are built once. */
const out = mkdtempSync(join(tmpdir(), 'claimflow-infra-cli-'));

interface Recorded {
  readonly io: InfraIo;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly cdkCalls: Array<{ args: readonly string[]; env: NodeJS.ProcessEnv }>;
}

/** Console capture; credentials and the cdk CLI are the parts only AWS could answer. */
function record(options: { credentials: boolean; cdkExit?: number }): Recorded {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const cdkCalls: Recorded['cdkCalls'] = [];
  const io: InfraIo = {
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    hasCredentials: async () => options.credentials,
    runCdk: async (args, env) => {
      cdkCalls.push({ args, env });
      return options.cdkExit ?? 0;
    },
  };
  return { io, stdout, stderr, cdkCalls };
}

describe('claimflow infra', () => {
  after(() => rmSync(out, { recursive: true, force: true }));

  it('validate --environment prod: synthesizes without credentials, passes cdk-nag and exits 0', async () => {
    const run = record({ credentials: false });
    const code = await infraCommand('validate', infraFlagsSchema.parse({ environment: 'prod', out }), run.io);
    assert.equal(code, 0, run.stdout.join('\n'));
    const template = join(out, 'claimflow-prod.template.json');
    assert.ok(existsSync(template));
    assert.deepEqual(run.stdout[0], `claimflow-prod\t${template}`);
    assert.match(
      run.stdout.at(-1) ?? '',
      /^cdk-nag \(AwsSolutions, HIPAA\.Security\): 0 unacknowledged finding\(s\), \d+ acknowledged with a reason$/,
    );
    const resources = Object.values(
      JSON.parse(readFileSync(template, 'utf8')).Resources as Record<string, { Type: string }>,
    );
    assert.equal(resources.filter((r) => r.Type === 'AWS::Lambda::Function').length, 6);
    assert.deepEqual(run.stderr, []);
  });

  it('synth --environment dev prints the stack and its template path', async () => {
    const run = record({ credentials: false });
    const code = await infraCommand(
      'synth',
      infraFlagsSchema.parse({ environment: 'dev', out, reservedConcurrency: '3' }),
      run.io,
    );
    assert.equal(code, 0);
    assert.deepEqual(run.stdout, [`claimflow-dev\t${join(out, 'claimflow-dev.template.json')}`]);
    const template = readFileSync(join(out, 'claimflow-dev.template.json'), 'utf8');
    assert.match(template, /"ReservedConcurrentExecutions": 3\b/);
  });

  it('synth --settings-file: per-function memory, timeout and concurrency of the environment, a flag over the file', async () => {
    const file = join(out, 'environments.yaml');
    writeFileSync(
      file,
      [
        'environments:',
        '  dev:',
        '    functions:',
        '      etl: { memory_mb: 1536, timeout_s: 240, reserved_concurrency: 4 }',
        '      trigger: { reserved_concurrency: 9 }',
        '  prod:',
        '    functions:',
        '      etl: { memory_mb: 3008 }',
        '',
      ].join('\n'),
    );
    const run = record({ credentials: false });
    const flags = infraFlagsSchema.parse({
      environment: 'dev',
      out,
      settingsFile: file,
      functionConcurrency: ['trigger=3'],
    });
    assert.equal(await infraCommand('synth', flags, run.io), 0);
    const functions = Object.values(
      JSON.parse(readFileSync(join(out, 'claimflow-dev.template.json'), 'utf8')).Resources as Record<
        string,
        { Type: string; Properties: Record<string, unknown> }
      >,
    ).filter((r) => r.Type === 'AWS::Lambda::Function');
    const of = (name: string) => {
      const found = functions.find((f) => String(f.Properties.Description).includes(`-> ${name}`));
      const { MemorySize, Timeout, ReservedConcurrentExecutions } = found?.Properties ?? {};
      return { MemorySize, Timeout, ReservedConcurrentExecutions };
    };
    assert.deepEqual(of('etl'), { MemorySize: 1536, Timeout: 240, ReservedConcurrentExecutions: 4 });
    assert.deepEqual(of('s3-event-trigger').ReservedConcurrentExecutions, 3, '--function-concurrency over the file');
    assert.deepEqual(of('post-processing'), {
      MemorySize: 1024,
      Timeout: 900,
      ReservedConcurrentExecutions: undefined,
    });
  });

  it('refuses a settings file that is not valid, naming the file and the key', async () => {
    const file = join(out, 'bad-environments.yaml');
    writeFileSync(file, 'environments:\n  dev:\n    functions:\n      etl: { memory_mb: 64 }\n');
    const flags = infraFlagsSchema.parse({ environment: 'dev', out, settingsFile: file });
    await assert.rejects(
      infraCommand('synth', flags, record({ credentials: false }).io),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes(file) &&
        error.message.includes('environments.dev.functions.etl.memory_mb'),
    );
  });

  it('deploy hands the validated assembly to the cdk CLI with the alert parameters and the region', async () => {
    const run = record({ credentials: true });
    const flags = infraFlagsSchema.parse({
      environment: 'prod',
      out,
      region: 'eu-west-1',
      alertEmail: 'oncall@example.org',
      alertSms: '+15555550100',
    });
    assert.equal(await infraCommand('deploy', flags, run.io), 0);
    assert.equal(run.cdkCalls.length, 1);
    assert.deepEqual(run.cdkCalls[0]?.args, [
      'deploy',
      '--app',
      out,
      'claimflow-prod',
      '--parameters',
      'claimflow-prod:AlertEmail=oncall@example.org',
      '--parameters',
      'claimflow-prod:AlertSmsNumber=+15555550100',
    ]);
    assert.equal(run.cdkCalls[0]?.env.AWS_REGION, 'eu-west-1');
    assert.match(readFileSync(join(out, 'manifest.json'), 'utf8'), /aws:\/\/unknown-account\/eu-west-1/);
  });

  it('diff reports a failing cdk as a system error', async () => {
    const run = record({ credentials: true, cdkExit: 1 });
    assert.equal(await infraCommand('diff', infraFlagsSchema.parse({ environment: 'dev', out }), run.io), 3);
    assert.deepEqual(run.cdkCalls[0]?.args, ['diff', '--app', out, 'claimflow-dev']);
    assert.deepEqual(run.stderr, ['claimflow infra diff: cdk exited with 1']);
  });

  it('diff and deploy stop with a clear message when the SDK finds no AWS credentials', async () => {
    const saved = { ...process.env };
    const empty = join(out, 'no-such-aws-file');
    for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
    Object.assign(process.env, {
      AWS_SHARED_CREDENTIALS_FILE: empty,
      AWS_CONFIG_FILE: empty,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const { hasAwsCredentials } = await import('../../src/adapters/aws/aws-credentials.ts');
    try {
      for (const action of ['diff', 'deploy'] as const) {
        const run = record({ credentials: true });
        const io = { ...run.io, hasCredentials: hasAwsCredentials };
        assert.equal(await infraCommand(action, infraFlagsSchema.parse({ environment: 'prod', out }), io), 1);
        assert.equal(run.stderr.length, 1);
        assert.match(
          run.stderr[0] ?? '',
          new RegExp(`^claimflow infra ${action}: no AWS credentials found\\. Set AWS_PROFILE`),
        );
        assert.deepEqual(run.cdkCalls, [], 'cdk never ran');
      }
      process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
      process.env.AWS_SECRET_ACCESS_KEY = 'secret';
      assert.equal(await hasAwsCredentials(), true, 'the same check passes once credentials are set');
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it('rejects an unknown environment and malformed flags at the edge', () => {
    assert.equal(infraFlagsSchema.safeParse({ environment: 'qa' }).success, false);
    assert.equal(infraFlagsSchema.safeParse({ environment: 'dev', region: 'Europe' }).success, false);
    assert.equal(infraFlagsSchema.safeParse({ environment: 'dev', alertSms: '555-0100' }).success, false);
    assert.equal(infraFlagsSchema.safeParse({ environment: 'dev', alertEmail: 'not-an-address' }).success, false);
    assert.deepEqual(infraFlagsSchema.parse({ environment: 'staging' }), { environment: 'staging', redshift: false });
  });
});
