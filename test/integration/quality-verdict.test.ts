import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import { claimflow, type RunJson, tempDir } from '../support/cli.ts';
import { readCsvRecords } from '../support/read-csv.ts';
import { SHARED_DIR } from '../support/shared.ts';

const CARRIER = join(SHARED_DIR, 'samples/synpuf/sample2-first200/DE1_0_2008_to_2010_Carrier_Claims_Sample_2A.csv');

/** `claimflow validate|run ... --json` and the report of its one file. */
async function reportOf(...args: string[]): Promise<{ code: number; report: ValidationReport }> {
  const result = await claimflow(...args, '--json');
  const summary = JSON.parse(result.stdout) as RunJson;
  const location = summary.files[0]?.validation?.report_location ?? assert.fail(result.stderr);
  return { code: result.code, report: JSON.parse(await readFile(location, 'utf8')) as ValidationReport };
}

describe('quality grades that agree with what happened to the file', () => {
  it("judges a historical file's timeliness by its own dates: SynPUF carrier claims of 2008-2010 are not late", async () => {
    const dir = await tempDir('quality-historical');
    const rows = await readCsvRecords(CARRIER);
    // Claims a decade older than the run date, with no paid date to measure a delay by.
    assert.ok(rows.every((r) => Number(r.CLM_THRU_DT?.slice(0, 4)) <= 2010));
    const { code, report } = await reportOf(
      'validate',
      CARRIER,
      '--root',
      join(dir, 'root'),
      '--run-date',
      '2026-01-31',
    );
    assert.equal(code, 0);
    assert.equal(report.summary.total_records, 371);
    assert.deepEqual(report.quality?.dimensions.timeliness, { score: 100, failed_rows: 0 });
    // Counted up to the paid date, lateness needs one: the carrier layout has none, so the rule is skipped.
    assert.equal(
      report.rules.find((r) => r.rule_id === 'late_claim'),
      undefined,
    );
    assert.deepEqual(
      report.skipped_rules.find((s) => s.rule_id === 'late_claim'),
      { rule_id: 'late_claim', reason: 'cms-synpuf/carrier never carries paid_date' },
    );

    // The run-date variant, for a feed whose claims should arrive fresh, only when configured.
    const config = join(dir, 'claimflow.yaml');
    await writeFile(config, 'thresholds:\n  timely_filing_basis: run_date\n');
    const byRunDate = await reportOf(
      'validate',
      CARRIER,
      '--root',
      join(dir, 'root-run-date'),
      '--run-date',
      '2026-01-31',
      '--config',
      config,
    );
    assert.deepEqual(byRunDate.report.quality?.dimensions.timeliness, { score: 0, failed_rows: 371 });
  });

  it('counts late claims by paid date: a claim paid more than the limit after its service is late', async () => {
    const dir = await tempDir('quality-paid-late');
    const input = join(dir, 'claims.csv');
    const generated = await claimflow('generate', '--rows', '400', '--out', input, '--seed', '5', '--month', '2024-06');
    assert.equal(generated.code, 0, generated.stderr);
    const rows = await readCsvRecords(input);
    const header = Object.keys(rows[0] ?? assert.fail('no rows'));
    // Ten claim lines paid two years after their service: late whatever the run date.
    const paidLate = rows.map((r, i) => (i < 10 ? { ...r, paid_date: '2026-07-01' } : r));
    const late = paidLate.filter((r) => r.paid_date === '2026-07-01' && /^2024-/.test(r.claim_end_date ?? '')).length;
    assert.equal(late, 10);
    const csv = [header.join(','), ...paidLate.map((r) => header.map((c) => csvCell(r[c] ?? '')).join(','))].join('\n');
    await writeFile(input, `${csv}\n`);
    const { report } = await reportOf('validate', input, '--root', join(dir, 'root'), '--run-date', '2026-08-01');
    assert.equal(report.rules.find((r) => r.rule_id === 'late_claim')?.row_count, 10);
    assert.equal(report.quality?.dimensions.timeliness.failed_rows, 10);
  });

  it('grades a file rejected whole F even when its rows score like an A', async () => {
    const dir = await tempDir('quality-rejected');
    const input = join(dir, 'claims.csv');
    const generated = await claimflow(
      'generate',
      '--rows',
      '2000',
      '--out',
      input,
      '--seed',
      '7',
      '--month',
      '2025-10',
    );
    assert.equal(generated.code, 0, generated.stderr);
    // The default 2% of planted defects, against a threshold of 0.1%: rejected whole.
    const { code, report } = await reportOf('run', input, '--root', join(dir, 'root'), '--error-threshold', '0.001');
    assert.equal(code, 2);
    assert.equal(report.validation_status, 'failed');
    assert.ok((report.quality?.score ?? 0) >= 95, `score ${report.quality?.score}`);
    assert.equal(report.quality?.grade, 'F');
  });
});

function csvCell(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
