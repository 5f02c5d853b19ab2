import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { ACME_LINES, ACME_MEMBERS, ACME_PROFILE } from '../support/acme-profile.ts';
import { type CliResult, claimflow, sql, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';
import { type Fingerprint, fingerprint, SPARK_FLAGS } from '../support/spark-run.ts';

const SAMPLES = join(SHARED_DIR, 'samples');
/** The pharmacy_claim and eligibility inputs, and the FHIR bundle: run with no error threshold. */
const LENIENT = [
  join(SAMPLES, 'tuva/pharmacy_claim_seed.csv'),
  join(SAMPLES, 'tuva/eligibility_seed.csv'),
  join(SAMPLES, 'synpuf/sample2-first200/DE1_0_2008_to_2010_Prescription_Drug_Events_Sample_2.csv'),
  join(SAMPLES, 'synpuf/sample2-first200/DE1_0_2008_Beneficiary_Summary_File_Sample_2.csv'),
  join(SAMPLES, 'synpuf/ohdsi-tiny/input/beneficiary_summary.csv'),
  join(SAMPLES, 'synthea/csv/payer_transitions.csv'),
  join(SAMPLES, 'synthea/fhir/Rodrigo242_Grady603_9f39bf35-ea79-4383-4eb1-36c43280dff2.json'),
];

/** The columns of the Parquet files matching `glob`, as `name type` in file order. */
async function columnsOf(glob: string): Promise<string[]> {
  const rows = await sql(`DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = false)`);
  return rows.map((r) => `${r.column_name} ${r.column_type}`);
}

async function codecsOf(glob: string): Promise<string[]> {
  return (await sql(`SELECT DISTINCT compression FROM parquet_metadata('${glob}')`)).map((r) => String(r.compression));
}

/** The reports without their output keys: those name Spark's part files (several per month) where DuckDB writes one file. */
function comparable(f: Fingerprint) {
  return f.reports.map(({ outputs, ...report }) => ({
    ...report,
    outputs: { ...outputs, processed: undefined, quarantine_rows: undefined },
  }));
}

/**
 * The same files through `claimflow run --engine duckdb` and `--engine spark` (real PySpark, local
 * mode) publish the same: every column of the sorted processed rows, the quarantined rows (row
 * numbers, reasons, source text), the aggregations, and the reports (counts, samples, dimension
 * scores, duplicate counts, profile, verdict); a file over the error threshold exits 2 on both.
 * The files are issue 19's list: generated defects, the Tuva seed with its eligibility, SynPUF
 * with its beneficiaries, Synthea, X12 837s and a FHIR bundle, a custom YAML profile with a
 * companion, gzip NDJSON, and a JSON array; and the pharmacy_claim and eligibility sources: the
 * Tuva seeds, SynPUF drug events and beneficiary summaries (the year from the file name, and the
 * stacked copy's YEAR column), Synthea's payer transitions with their companions, and the FHIR
 * bundle's pharmacy ExplanationOfBenefits, published to pharmacy_claim.
 *
 * One `claimflow run` per engine (each Spark command starts a JVM and plans cold: issue 19's CI
 * budget): the config's sources read the custom feed with its profile and let the files whose bad
 * rows are compared, not judged, pass any error rate.
 */
describe('--engine spark publishes what --engine duckdb publishes, to every table', () => {
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
    // No error threshold for these, so that their rows are published and compared: the custom feed
    // (its 31 February quarantined) read with its profile; the drug events' 14 bad rows (7%) and
    // (e) a Synthea patient's FHIR R4 bundle, whose 35 bad medical lines (28%) are quarantined and
    // whose pharmacy lines go to pharmacy_claim (two jobs).
    const config = join(dir, 'claimflow.yaml');
    await writeFile(
      config,
      [
        'sources:',
        '  acme:',
        '    files: [acme_lines_*]',
        '    profile: ./acme.yaml',
        '    thresholds: { error_rate: 1 }',
        '  lenient:',
        `    files: [${LENIENT.map((f) => JSON.stringify(basename(f))).join(', ')}]`,
        '    thresholds: { error_rate: 1 }',
        '',
      ].join('\n'),
    );

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
      // (f) the custom feed, read with the acme source's profile
      join(custom, 'acme_lines_2025.txt'),
      ...LENIENT,
    ];
    const common = ['--run-date', '2026-01-31', '--refdata', join(SHARED_DIR, 'refdata'), '--json'];
    for (const engine of ['duckdb', 'spark'] as const) {
      const root = join(dir, `root-${engine}`);
      const flags = engine === 'spark' ? SPARK_FLAGS : [];
      const result = await claimflow('run', ...inputs, '--root', root, '--config', config, ...common, ...flags);
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

  it('runs every pharmacy_claim, eligibility and custom-profile file on both engines (none rejected)', () => {
    for (const engine of ['duckdb', 'spark'] as const) {
      const summary = JSON.parse(runs[engine].result.stdout) as { files: Array<{ file: string; status: string }> };
      const lenient = new Set([...LENIENT, 'acme_lines_2025.txt'].map((f) => basename(f)));
      const statuses = summary.files.filter((f) => lenient.has(basename(f.file))).map((f) => f.status);
      // Seven files, the bundle in two jobs.
      assert.deepEqual(statuses, Array(9).fill('SUCCEEDED'), engine);
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

  it('publishes the same rows to processed/pharmacy_claim and processed/eligibility, and the same aggregations', () => {
    const duckdb = runs.duckdb.fingerprint.outputs;
    const spark = runs.spark.fingerprint.outputs;
    // Tuva 291 + SynPUF 186 + the bundle's 4 pharmacy lines; Tuva 31 + SynPUF 195 + 6 + Synthea 128 spans.
    assert.equal(duckdb['processed/pharmacy_claim/']?.rows, 291 + 186 + 4);
    assert.equal(duckdb['processed/eligibility/']?.rows, 31 + 195 + 6 + 128);
    for (const group of ['processed/pharmacy_claim/', 'processed/eligibility/', 'processed/aggregations/']) {
      const groups = Object.keys(duckdb).filter((g) => g.startsWith(group));
      assert.ok(groups.length > 0, group);
      for (const g of groups) assert.deepEqual(spark[g], duckdb[g], g);
    }
  });

  it('reports the same counts, samples, dimension scores, duplicates, profile and verdicts', () => {
    const duckdb = comparable(runs.duckdb.fingerprint);
    // 13 reports of issue 19's list and 8 of the pharmacy_claim and eligibility files (which ran as
    // two commands before), less the FHIR bundle's two jobs that both counted.
    assert.equal(duckdb.length, 13 + 8 - 2);
    const profiles = duckdb.map((r) => (r as { profile?: { name: string } }).profile?.name).sort();
    assert.deepEqual(profiles, [
      ...['acme', 'cms-synpuf', 'cms-synpuf', 'cms-synpuf', 'cms-synpuf', 'fhir-eob', 'fhir-eob'],
      ...['standard', 'standard', 'standard', 'standard', 'synthea', 'synthea', 'tuva', 'tuva', 'tuva'],
      ...['x12-837', 'x12-837', 'x12-837'],
    ]);
    // The custom feed is read with its source's profile, on both engines (compared below).
    const acme = duckdb.find((r) => basename(r.input_file) === 'acme_lines_2025.txt');
    assert.equal((acme as { profile?: { selected_by: string } } | undefined)?.profile?.selected_by, 'source');
    assert.deepEqual(comparable(runs.spark.fingerprint), duckdb);
  });

  it('reports the same counts, rules, profile and verdicts for the pharmacy_claim and eligibility files', () => {
    const lenient = new Set(LENIENT.map((f) => basename(f)));
    const of = (f: Fingerprint) => comparable(f).filter((r) => lenient.has(basename(r.input_file)));
    const duckdb = of(runs.duckdb.fingerprint);
    assert.equal(duckdb.length, 8, 'seven files, the bundle in two jobs');
    assert.deepEqual(of(runs.spark.fingerprint), duckdb);
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
