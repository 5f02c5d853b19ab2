import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { claimflow, type RunJson, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';

const HEADER =
  'claim_id,claim_line_number,claim_type,person_id,claim_start_date,claim_end_date,billing_npi,place_of_service_code,hcpcs_code,service_unit_quantity';
const CLEAN = 'C1,1,professional,P1,2025-11-02,2025-11-02,1234567893,11,99213,1';
const BAD_NPI = 'C2,1,professional,P2,2025-11-02,2025-11-02,1234567890,11,99213,1';
const UNKNOWN_POS = 'C3,1,professional,P3,2025-11-02,2025-11-02,1234567893,98,99213,1';

async function reportOf(run: RunJson, index = 0) {
  return JSON.parse(await readFile(run.files[index]?.validation?.report_location ?? '', 'utf8'));
}

describe('config file and validate', () => {
  let dir: string;
  let file: string;

  before(async () => {
    dir = await tempDir('config');
    file = join(dir, 'acme_claims.csv');
    await writeFile(file, `${HEADER}\n${CLEAN}\n${BAD_NPI}\n${UNKNOWN_POS}\n`);
  });

  it('validate writes only the report and exits 2 when the file is rejected, 0 when it passes', async () => {
    const root = join(dir, 'validate-root');
    const failing = await claimflow('validate', file, '--root', root, '--json', '--run-date', '2026-01-01');
    assert.equal(failing.code, 2, 'two of three rows quarantined is over the 5% threshold');
    assert.match(failing.stderr, /acme_claims\.csv: error_rate_exceeded: 1 of 3 rows/);
    const run = JSON.parse(failing.stdout) as RunJson;
    assert.equal(run.files[0]?.validation?.validation_status, 'failed');
    // The audit log records the read of the input and the reports written.
    assert.deepEqual((await readdir(root)).sort(), ['audit', 'temp', 'validation-reports']);
    assert.equal((await readdir(join(root, 'validation-reports'))).length, 2, 'JSON and HTML report');

    const passing = await claimflow(
      'validate',
      file,
      '--root',
      root,
      '--error-threshold',
      '0.5',
      '--run-date',
      '2026-01-01',
    );
    assert.equal(passing.code, 0, passing.stderr);
    assert.ok(!existsSync(join(root, 'processed')) && !existsSync(join(root, 'archive')));
  });

  it('says which rules it skipped without reference data, and runs them with it', async () => {
    const args = ['--root', join(dir, 'refdata-root'), '--json', '--error-threshold', '1', '--run-date', '2026-01-01'];
    const without = JSON.parse((await claimflow('validate', file, ...args)).stdout) as RunJson;
    const bare = await reportOf(without);
    assert.deepEqual(bare.skipped_rules.map((r: { rule_id: string }) => r.rule_id).sort(), [
      'invalid_bill_type',
      'invalid_drg',
      'invalid_revenue_code',
      'unknown_hcpcs_code',
      'unknown_icd10cm_code',
      'unknown_place_of_service',
    ]);
    assert.equal(bare.summary.error_records, 1, 'only the bad NPI without the POS list');
    const withRefdata = JSON.parse(
      (await claimflow('validate', file, ...args, '--refdata', join(SHARED_DIR, 'refdata'))).stdout,
    ) as RunJson;
    const full = await reportOf(withRefdata);
    assert.deepEqual(full.skipped_rules, []);
    assert.equal(full.summary.error_records, 2);
    const pos = full.rules.find((r: { rule_id: string }) => r.rule_id === 'unknown_place_of_service');
    assert.equal(pos.row_count, 1);
    assert.deepEqual(pos.samples, [{ source_row_number: 3, claim_id: 'C3', claim_line_number: '1' }]);
  });

  it('applies rule overrides and per-source thresholds from a YAML config', async () => {
    const config = join(dir, 'claimflow.yaml');
    await writeFile(
      config,
      [
        `refdata: ${JSON.stringify(join(SHARED_DIR, 'refdata'))}`,
        'rules:',
        '  invalid_npi: { action: warn, severity: medium }',
        'sources:',
        '  acme:',
        '    files: ["acme_*.csv"]',
        '    data_source: acme',
        '    thresholds: { error_rate: 0.5 }',
        '    rules:',
        '      unknown_place_of_service: { enabled: false }',
        '',
      ].join('\n'),
    );
    const result = await claimflow(
      'run',
      file,
      '--root',
      join(dir, 'config-root'),
      '--config',
      config,
      '--json',
      '--run-date',
      '2026-01-01',
    );
    assert.equal(result.code, 0, result.stderr);
    const report = await reportOf(JSON.parse(result.stdout) as RunJson);
    assert.equal(report.data_source, 'acme');
    assert.equal(report.summary.error_records, 0);
    const npi = report.rules.find((r: { rule_id: string }) => r.rule_id === 'invalid_npi');
    assert.deepEqual([npi.action, npi.severity, npi.row_count], ['warn', 'medium', 1]);
    assert.deepEqual(report.skipped_rules, [{ rule_id: 'unknown_place_of_service', reason: 'disabled in the config' }]);
  });

  it('rejects an invalid config with exit 1, naming the file and the bad key', async () => {
    const config = join(dir, 'bad.json');
    await writeFile(
      config,
      JSON.stringify({ rules: { invalid_nip: { action: 'warn' } }, thresholds: { error_rate: 2 } }),
    );
    const result = await claimflow('run', file, '--root', join(dir, 'bad-root'), '--config', config);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /config .*bad\.json is invalid: .*rules\.invalid_nip: unknown rule id 'invalid_nip'/);
    assert.match(result.stderr, /thresholds\.error_rate/);
  });
});
