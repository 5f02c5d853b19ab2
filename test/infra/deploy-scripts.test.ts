import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs a script with `node` and `npm` replaced by recorders on PATH: the wrappers' whole job is to
 * turn their flags into the right command, which is what these tests read back.
 */
function runScript(script: string, args: string[]): { status: number | null; stderr: string; calls: string[] } {
  const bin = mkdtempSync(join(tmpdir(), 'claimflow-scripts-'));
  const log = join(bin, 'calls.log');
  for (const tool of ['node', 'npm']) {
    const recorder = join(bin, tool);
    writeFileSync(recorder, `#!/bin/sh\nprintf '%s|%s|%s\\n' "${tool}" "$CLAIMFLOW_ENVIRONMENT" "$*" >> "${log}"\n`);
    chmodSync(recorder, 0o755);
  }
  writeFileSync(log, '');
  const result = spawnSync('bash', [join(REPO, 'scripts', script), ...args], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CLAIMFLOW_ENVIRONMENT: '' },
  });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  rmSync(bin, { recursive: true, force: true });
  return { status: result.status, stderr: result.stderr, calls };
}

describe('scripts/deploy.sh', () => {
  it('deploys through claimflow infra deploy, passing region, assets bucket and alert endpoints', () => {
    const run = runScript('deploy.sh', [
      '--environment',
      'prod',
      '--region',
      'us-east-2',
      '--bucket',
      'acme-cdk-assets',
      '--alert-email',
      'oncall@example.org',
    ]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.calls, [
      'node||bin/claimflow.js infra deploy --environment prod --region us-east-2 --assets-bucket acme-cdk-assets --alert-email oncall@example.org',
    ]);
  });

  it('--validate-only synthesizes and checks without deploying', () => {
    const run = runScript('deploy.sh', ['--validate-only', '--environment', 'dev']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.calls, ['node||bin/claimflow.js infra validate --environment dev']);
  });

  it('prints its usage and exits 1 without --environment or with an unknown option', () => {
    for (const args of [[], ['--environment'], ['--environment', 'dev', '--force']]) {
      const run = runScript('deploy.sh', args);
      assert.equal(run.status, 1, args.join(' '));
      assert.match(
        run.stderr,
        /^(deploy\.sh: unknown option: --force\n)?usage: scripts\/deploy\.sh --environment dev\|staging\|prod/,
      );
      assert.deepEqual(run.calls, []);
    }
  });
});

describe('scripts/test-pipeline.sh', () => {
  it('integration runs the AWS-side integration tests with the environment set', () => {
    const run = runScript('test-pipeline.sh', ['--environment', 'staging', '--test-type', 'integration']);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.calls.length, 1);
    assert.match(
      run.calls[0] ?? '',
      /^node\|staging\|--import tsx --test (test\/integration\/aws-[\w-]+\.test\.ts ?)+$/,
    );
  });

  it('performance runs the 1M-line benchmark without touching docs/BENCHMARKS.md', () => {
    const run = runScript('test-pipeline.sh', ['--test-type', 'performance', '--environment', 'dev']);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.calls, ['npm||run bench -- --rows 1000000 --no-append']);
  });

  it('rejects an unknown environment or test type with its usage', () => {
    for (const args of [
      ['--environment', 'qa', '--test-type', 'integration'],
      ['--environment', 'dev', '--test-type', 'smoke'],
    ]) {
      const run = runScript('test-pipeline.sh', args);
      assert.equal(run.status, 1);
      assert.match(
        run.stderr,
        /^usage: scripts\/test-pipeline\.sh --environment dev\|staging\|prod --test-type integration\|performance/,
      );
      assert.deepEqual(run.calls, []);
    }
  });
});
