import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { buildApp } from '../../infra/bin/claimflow.ts';
import type { EnvironmentName } from '../../infra/environment-name.ts';
import { REPO_ROOT } from '../../infra/repo-paths.ts';

/** cfn-lint and checkov from the project's virtualenv (infra/requirements-lint.txt, scripts/setup-python.sh). */
const VENV_BIN = join(process.env.CLAIMFLOW_LINT_VENV ?? join(REPO_ROOT, '.venv-lint'), 'bin');
const run = promisify(execFile);

/** Runs a linter; both exit non-zero when they find something, which the JSON on stdout tells. */
async function lint(tool: 'cfn-lint' | 'checkov', args: string[]): Promise<string> {
  try {
    return (await run(join(VENV_BIN, tool), args, { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 })).stdout;
  } catch (error) {
    const { stdout, code } = error as { stdout?: string; code?: unknown };
    if (typeof code !== 'number' || !stdout) throw error;
    return stdout;
  }
}

interface CfnLintMatch {
  readonly Level: string;
  readonly Rule: { readonly Id: string };
  readonly Message: string;
}
interface CheckovReport {
  readonly check_type: string;
  readonly results: {
    readonly failed_checks: Array<{ check_id: string; resource: string }>;
    readonly skipped_checks: Array<{ check_id: string; resource: string; check_result: { suppress_comment: string } }>;
  };
}

const cfnLint = async (templates: string[]): Promise<CfnLintMatch[]> =>
  JSON.parse(await lint('cfn-lint', ['--format', 'json', ...templates]));

async function checkov(template: string): Promise<CheckovReport> {
  const out = await lint('checkov', ['-f', template, '--framework', 'cloudformation', '-o', 'json']);
  const parsed = JSON.parse(out) as CheckovReport | CheckovReport[];
  const report = Array.isArray(parsed) ? parsed.find((r) => r.check_type === 'cloudformation') : parsed;
  assert.ok(report, out.slice(0, 500));
  return report;
}

const outdir = mkdtempSync(join(tmpdir(), 'claimflow-template-lint-'));
const TARGETS: ReadonlyArray<readonly [string, EnvironmentName, { redshift?: boolean }]> = [
  ['dev', 'dev', {}],
  ['staging', 'staging', {}],
  ['prod', 'prod', {}],
  ['prod-redshift', 'prod', { redshift: true }],
];
const templates = new Map<string, string>();

before(() => {
  for (const [name, environment, overrides] of TARGETS) {
    // One folder per target (each holds a claimflow-<env> template), bundles reused through CDK's cache.
    const built = buildApp({ environment, outdir: join(outdir, name), overrides });
    built.app.synth();
    templates.set(name, join(outdir, name, `${built.stack.stackName}.template.json`));
  }
});
after(() => rmSync(outdir, { recursive: true, force: true }));

describe('synthesized templates', () => {
  it('pass cfn-lint (CloudFormation’s resource specification) with no errors in every environment', async () => {
    const errors = (await cfnLint([...templates.values()])).filter((m) => m.Level === 'Error');
    assert.deepEqual(
      errors.map((m) => `${m.Rule.Id} ${m.Message}`),
      [],
    );
  });

  it('pass checkov: every failed check fixed, every skip with its reason in the template', async () => {
    for (const [name, template] of templates) {
      const { results } = await checkov(template);
      assert.deepEqual(
        results.failed_checks.map((c) => `${c.check_id} ${c.resource}`),
        [],
        name,
      );
      for (const skip of results.skipped_checks) {
        assert.ok(
          skip.check_result.suppress_comment.length >= 40,
          `${name} ${skip.check_id} ${skip.resource}: a reason`,
        );
      }
    }
  });
});

describe('the linters find what they are for', () => {
  it('cfn-lint reports an unknown property and checkov an unencrypted, unlogged bucket', async () => {
    const careless = join(outdir, 'careless.template.json');
    writeFileSync(
      careless,
      JSON.stringify({
        Resources: { Plain: { Type: 'AWS::S3::Bucket', Properties: { NoSuchProperty: true } } },
      }),
    );
    const lintIds = (await cfnLint([careless])).filter((m) => m.Level === 'Error').map((m) => m.Rule.Id);
    assert.ok(lintIds.includes('E3002'), lintIds.join(', '));
    const checkIds = (await checkov(careless)).results.failed_checks.map((c) => c.check_id);
    assert.ok(checkIds.includes('CKV_AWS_18'), checkIds.join(', '));
  });
});
