import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { ACME_LINES, ACME_MEMBERS, ACME_PROFILE } from '../support/acme-profile.ts';
import { type CliResult, claimflow, sql, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';
import { type Fingerprint, fingerprint, SPARK_FLAGS } from '../support/spark-run.ts';

const SAMPLES = join(SHARED_DIR, 'samples');

/** The columns of the Parquet files matching `glob`, as `name type` in file order. */
async function columnsOf(glob: string): Promise<string[]> {
  const rows = await sql(`DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = false)`);
  return rows.map((r) => `${r.column_name} ${r.column_type}`);
}

async function codecsOf(glob: string): Promise<string[]> {
  return (await sql(`SELECT DISTINCT compression FROM parquet_metadata('${glob}')`)).map((r) => String(r.compression));
}

/**
 * The same files through `claimflow run --engine duckdb` and `--engine spark` (real PySpark, local
 * mode) publish the same: every column of the sorted processed rows, the quarantined rows (row
 * numbers, reasons, source text), the aggregations, and the reports (counts, samples, dimension
 * scores, duplicate counts, profile, verdict); a file over the error threshold exits 2 on both.
 * The files are issue 19's list: generated defects, the Tuva seed with its eligibility, SynPUF
 * with its beneficiaries, Synthea, X12 837s and a FHIR bundle, a custom YAML profile with a
 * companion, gzip NDJSON, and a JSON array.
 */
describe('--engine spark publishes what --engine duckdb publishes', () => {
  let dir = '';
  const runs: Record<'duckdb' | 'spark', { root: string; result: CliResult; fingerprint: Fingerprint }> = {
    duckdb: { root: '', result: { code: -1, stdout: '', stderr: '' }, fingerprint: { outputs: {}, reports: [] } },
    spark: { root: '', result: { code: -1, stdout: '', stderr: '' }, fingerprint: { outputs: {}, reports: [] } },
  };

  before(async () => {
    dir = await tempDir('spark-equivalence');
    const month = '2025-10';
    // (a) every rule's planted defect, exact and conflicting duplicates, and malformed records.
    const defects = join(dir, 'defects.csv');
    await writeClaimsFile(defects, 3000, 'csv', { seed: 19, defectRate: 0.03, month });
    const lines = (await readFile(defects, 'utf8')).trimEnd().split('\n');
    lines.splice(40, 0, 'C-RAGGED,1,professional');
    lines.splice(900, 0, `${lines[900]},one too many`);
    await writeFile(defects, `${lines.join('\n')}\n`);
    // (g) gzip NDJSON, with a blank line and a line that is not a JSON object.
    const ndjson = join(dir, 'feed.ndjson');
    await writeClaimsFile(ndjson, 1500, 'ndjson', { seed: 20, defectRate: 0.03, month });
    const records = (await readFile(ndjson, 'utf8')).trimEnd().split('\n');
    records.splice(10, 0, '');
    records.splice(500, 0, 'not json at all');
    await writeFile(join(dir, 'feed.ndjson.gz'), gzipSync(`${records.join('\n')}\n`));
    // A JSON array, read whole on both engines.
    const array = join(dir, 'array.json');
    await writeClaimsFile(array, 400, 'json', { seed: 22, defectRate: 0.05, month });
    // A file rejected whole: most of its rows quarantined.
    const rejected = join(dir, 'rejected.csv');
    await writeClaimsFile(rejected, 300, 'csv', { seed: 21, defectRate: 0.9, month });
    // (f) a custom YAML profile (renames, value codes, day-first dates, unpivoted slots, a companion).
    const custom = join(dir, 'custom');
    await mkdir(custom);
    await writeFile(join(custom, 'acme_lines_2025.txt'), `${ACME_LINES.join('\n')}\n`);
    await writeFile(join(custom, 'acme_members_2025.csv'), `${ACME_MEMBERS.join('\n')}\n`);
    await writeFile(join(dir, 'acme.yaml'), ACME_PROFILE);

    const inputs = [
      ...[defects, join(dir, 'feed.ndjson.gz'), array, rejected],
      // (b) the Tuva medical claim seed, with the eligibility file beside it as its companion
      join(SAMPLES, 'tuva/medical_claim_seed.csv'),
      // (c) a SynPUF carrier file with its beneficiary companion
      join(SAMPLES, 'synpuf/ohdsi-tiny/input/carrier_claims.csv'),
      // (d) a Synthea export's claims
      join(SAMPLES, 'synthea/csv/claims.csv'),
      // (e) X12 837s, professional and institutional, converted to NDJSON first
      join(SAMPLES, 'x12/linuxforhealth/837_005010X222A2_demo.example1.837'),
      join(SAMPLES, 'x12/linuxforhealth/837_005010X223A3_institutional-claim.837i'),
      join(SAMPLES, 'x12/uhin/837.edi'),
    ];
    const common = ['--run-date', '2026-01-31', '--refdata', join(SHARED_DIR, 'refdata'), '--json'];
    for (const engine of ['duckdb', 'spark'] as const) {
      const root = join(dir, `root-${engine}`);
      const flags = engine === 'spark' ? SPARK_FLAGS : [];
      const result = await claimflow('run', ...inputs, '--root', root, ...common, ...flags);
      // Run on their own into the same root, with no error threshold so their rows are published
      // and compared: the custom profile (forced with --profile), and (e) a Synthea patient's FHIR R4
      // bundle (two jobs: its medical claims, then its pharmacy claims to pharmacy_claim).
      const alone = [
        [join(custom, 'acme_lines_2025.txt'), '--profile', join(dir, 'acme.yaml')],
        [join(SAMPLES, 'synthea/fhir/Rodrigo242_Grady603_9f39bf35-ea79-4383-4eb1-36c43280dff2.json')],
      ];
      for (const args of alone) {
        const run = await claimflow('run', ...args, '--root', root, '--error-threshold', '1', ...common, ...flags);
        assert.equal(run.code, 0, `${engine}: ${run.stderr.slice(-2000)}`);
      }
      runs[engine] = { root, result, fingerprint: await fingerprint(root) };
    }
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 on both engines, for the same files rejected whole', () => {
    for (const engine of ['duckdb', 'spark'] as const) {
      const { result } = runs[engine];
      assert.equal(result.code, 2, `${engine}: ${result.stderr.slice(-2000)}`);
      const summary = JSON.parse(result.stdout) as { files: Array<{ file: string; status: string; error: string }> };
      const failed = summary.files.filter((f) => f.status !== 'SUCCEEDED');
      assert.deepEqual(
        // Which files were rejected, in any order: the summary's order is not what this compares.
        failed.map((f) => [f.file.split('/').at(-1), f.error?.split(': ')[1]]).sort(),
        [
          // an institutional 837 whose one claim fails, and the generated file over the threshold
          ['837_005010X223A3_institutional-claim.837i', 'error_rate_exceeded'],
          ['rejected.csv', 'error_rate_exceeded'],
        ],
        engine,
      );
    }
  });

  it('publishes the same processed rows, quarantined rows and aggregations', () => {
    const duckdb = runs.duckdb.fingerprint.outputs;
    const spark = runs.spark.fingerprint.outputs;
    assert.deepEqual(Object.keys(spark).sort(), Object.keys(duckdb).sort());
    for (const [group, output] of Object.entries(duckdb)) {
      assert.ok(output.rows > 0, `${group} has rows`);
      assert.deepEqual(
        { rows: spark[group]?.rows, sha256: spark[group]?.sha256 },
        { rows: output.rows, sha256: output.sha256 },
        group,
      );
    }
    assert.ok((duckdb['quarantine/rows/']?.rows ?? 0) > 40, 'the defects are quarantined');
  });

  it('reports the same counts, samples, dimension scores, duplicates, profile and verdicts', () => {
    // Output keys name Spark's part files (several per month) where DuckDB writes one file.
    const comparable = (f: Fingerprint) =>
      f.reports.map(({ outputs, ...report }) => ({
        ...report,
        outputs: { ...outputs, processed: undefined, quarantine_rows: undefined },
      }));
    const duckdb = comparable(runs.duckdb.fingerprint);
    assert.equal(duckdb.length, 13);
    const profiles = duckdb.map((r) => (r as { profile?: { name: string } }).profile?.name).sort();
    assert.deepEqual(profiles, [
      ...['acme', 'cms-synpuf', 'fhir-eob', 'fhir-eob', 'standard', 'standard', 'standard', 'standard'],
      ...['synthea', 'tuva', 'x12-837', 'x12-837', 'x12-837'],
    ]);
    assert.deepEqual(comparable(runs.spark.fingerprint), duckdb);
  });

  it('writes the same columns, in the same order and types, compressed with zstd', async () => {
    for (const path of ['processed/claims/*/*/*.parquet', 'quarantine/rows/*.parquet']) {
      const duckdb = await columnsOf(join(runs.duckdb.root, path));
      assert.deepEqual(await columnsOf(join(runs.spark.root, path)), duckdb, path);
      for (const engine of ['duckdb', 'spark'] as const) {
        assert.deepEqual(await codecsOf(join(runs[engine].root, path)), ['ZSTD'], `${engine} ${path}`);
      }
    }
  });
});
