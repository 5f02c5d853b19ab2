import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CliResult, claimflow, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';
import { type Fingerprint, fingerprint, SPARK_FLAGS } from '../support/spark-run.ts';

const SAMPLES = join(SHARED_DIR, 'samples');

/**
 * The pharmacy_claim and eligibility sources through `--engine duckdb` and `--engine spark` (real
 * PySpark, local mode, one worker for every file) publish the same rows and reports: the Tuva seeds,
 * SynPUF drug events and beneficiary summaries (the year from the file name, and the stacked copy's
 * YEAR column), Synthea's payer transitions with their companions, and a FHIR bundle whose pharmacy
 * ExplanationOfBenefits are published to pharmacy_claim.
 */
describe('--engine spark publishes the pharmacy_claim and eligibility tables as --engine duckdb does', () => {
  let dir = '';
  const runs: Partial<Record<'duckdb' | 'spark', { result: CliResult; fingerprint: Fingerprint }>> = {};

  before(async () => {
    dir = await tempDir('spark-tables');
    const inputs = [
      join(SAMPLES, 'tuva/pharmacy_claim_seed.csv'),
      join(SAMPLES, 'tuva/eligibility_seed.csv'),
      join(SAMPLES, 'synpuf/sample2-first200/DE1_0_2008_to_2010_Prescription_Drug_Events_Sample_2.csv'),
      join(SAMPLES, 'synpuf/sample2-first200/DE1_0_2008_Beneficiary_Summary_File_Sample_2.csv'),
      join(SAMPLES, 'synpuf/ohdsi-tiny/input/beneficiary_summary.csv'),
      join(SAMPLES, 'synthea/csv/payer_transitions.csv'),
      join(SAMPLES, 'synthea/fhir/Rodrigo242_Grady603_9f39bf35-ea79-4383-4eb1-36c43280dff2.json'),
    ];
    const common = ['--run-date', '2026-11-01', '--refdata', join(SHARED_DIR, 'refdata'), '--json'];
    for (const engine of ['duckdb', 'spark'] as const) {
      const root = join(dir, `root-${engine}`);
      const flags = engine === 'spark' ? SPARK_FLAGS : [];
      // No file rejected: the drug events' 14 bad rows (7%) and the bundle's 35 bad medical lines (28%)
      // are quarantined, and the rest published and compared.
      const result = await claimflow('run', ...inputs, '--root', root, '--error-threshold', '1', ...common, ...flags);
      runs[engine] = { result, fingerprint: await fingerprint(root) };
    }
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs every file on both engines (exit 0)', () => {
    for (const engine of ['duckdb', 'spark'] as const) {
      const result = runs[engine]?.result;
      assert.equal(result?.code, 0, `${engine}: ${result?.stderr.slice(-2000)}`);
    }
  });

  it('publishes the same rows to processed/pharmacy_claim and processed/eligibility, and the same aggregations', () => {
    const duckdb = runs.duckdb?.fingerprint.outputs ?? {};
    const spark = runs.spark?.fingerprint.outputs ?? {};
    assert.deepEqual(Object.keys(spark).sort(), Object.keys(duckdb).sort());
    // Tuva 291 + SynPUF 186 + the bundle's 4 pharmacy lines; Tuva 31 + SynPUF 195 + 6 + Synthea 128 spans.
    assert.equal(duckdb['processed/pharmacy_claim/']?.rows, 291 + 186 + 4);
    assert.equal(duckdb['processed/eligibility/']?.rows, 31 + 195 + 6 + 128);
    for (const [group, output] of Object.entries(duckdb)) {
      assert.deepEqual(
        { rows: spark[group]?.rows, sha256: spark[group]?.sha256 },
        { rows: output.rows, sha256: output.sha256 },
        group,
      );
    }
  });

  it('reports the same counts, rules, profile and verdicts', () => {
    // Spark writes several part files a month where DuckDB writes one.
    const comparable = (f: Fingerprint | undefined) =>
      (f?.reports ?? []).map(({ outputs, ...report }) => ({
        ...report,
        outputs: { ...outputs, processed: undefined, quarantine_rows: undefined },
      }));
    const duckdb = comparable(runs.duckdb?.fingerprint);
    assert.equal(duckdb.length, 8, 'seven files, the bundle in two jobs');
    assert.deepEqual(comparable(runs.spark?.fingerprint), duckdb);
  });
});
