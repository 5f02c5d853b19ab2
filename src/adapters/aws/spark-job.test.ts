import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  ConcurrentRunsExceededException,
  EntityNotFoundException,
  GetJobRunCommand,
  GlueClient,
  StartJobRunCommand,
  ThrottlingException,
} from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { tempDir } from '../../../test/support/cli.ts';
import { createBuckets, type MotoServices, startMoto } from '../../../test/support/moto.ts';
import { SHARED_DIR } from '../../../test/support/shared.ts';
import { HEAD_BYTES } from '../../domain/detect-format.ts';
import { ClaimFileError, TransientError } from '../../domain/errors.ts';
import { ROW_RULES } from '../../domain/rule-catalog.ts';
import { GENERATED_COLUMNS } from '../../domain/synthetic-claims.ts';
import { runConfigSchema } from '../../pipeline/run-config.ts';
import { parseSparkJobManifest, resolveManifestRules } from '../../pipeline/spark-job-manifest.ts';
import type { EnginePlan } from '../../plan/engine-plan.ts';
import { convertX12 } from '../x12/convert-x12.ts';
import { GlueJobRunner } from './glue-job-runner.ts';
import { readS3Head } from './read-s3-head.ts';
import { S3ObjectStore } from './s3-object-store.ts';
import { s3X12Converter } from './s3-record-converters.ts';
import { startSparkJob } from './spark-job.ts';

const BUCKETS = { input: 'claims-input', output: 'claims-output' };
const JOB_NAME = 'claimflow-dev-spark-etl';
const JOB_ID = 'claims-etl-20260131-102030-0007';
const clock = { now: () => new Date('2026-01-31T10:20:30Z') };

/** A CSV whose gzip is larger than the head, so the ranged read returns part of the stream. */
function claimsCsv(rows: number): Buffer {
  const line = (i: number): string =>
    GENERATED_COLUMNS.map((c) => (c === 'claim_id' ? `C${i}` : c === 'claim_line_number' ? '1' : `${c}-${i}`)).join(
      ',',
    );
  return Buffer.from(`${GENERATED_COLUMNS.join(',')}\n${Array.from({ length: rows }, (_, i) => line(i)).join('\n')}\n`);
}

describe('startSparkJob: the Spark plan to S3, then StartJobRun', () => {
  let moto: MotoServices;
  let s3: S3Client;
  let store: S3ObjectStore;
  let files: string;
  const glueClient = new GlueClient({ region: 'us-east-1' });
  const glue = mockClient(glueClient);

  const gets: unknown[] = [];

  before(async () => {
    moto = await startMoto();
    await createBuckets(moto.s3, [BUCKETS.input, BUCKETS.output]);
    s3 = moto.s3;
    s3.middlewareStack.add(
      (next, context) => (args) => {
        if (context.commandName === 'GetObjectCommand') gets.push(args.input);
        return next(args);
      },
      { step: 'initialize' },
    );
    store = new S3ObjectStore(s3, BUCKETS, await tempDir('spark-job-scratch'));
    files = await tempDir('spark-job-files');
    const big = join(files, 'claims.csv.gz');
    await writeFile(big, gzipSync(claimsCsv(20_000)));
    await store.copyIn(big, 'raw/claims/acme claims.csv.gz');
    for (const list of ['terminology__place_of_service.csv', 'terminology__bill_type.csv']) {
      await store.copyIn(join(SHARED_DIR, 'refdata/tuva-terminology', list), `refdata/tuva-terminology/${list}`);
    }
    await writeFile(join(files, 'bad.csv'), 'claim_id,claim_type\nC1,professional\n');
    await store.copyIn(join(files, 'bad.csv'), 'raw/claims/bad.csv');
  });
  after(async () => {
    await moto?.stop();
  });
  beforeEach(() => {
    glue.reset();
    glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_0123456789abcdef' });
  });

  const deps = () => ({
    store,
    glue: glueClient,
    jobName: JOB_NAME,
    clock,
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    readObjectHead: async (key: string) =>
      readS3Head(s3, store.locate(key), HEAD_BYTES, await store.scratchDir('head')),
  });
  const readPlan = async () => JSON.parse(await store.readText(`temp/${JOB_ID}/plan.json`)) as EnginePlan;
  const task = (key: string) => ({
    job_id: JOB_ID,
    key,
    sha256: 'ab',
    input_file: key.split('/').at(-1) ?? key,
    months: [],
  });

  it('writes the plan to temp/<job_id>/plan.json and starts the job with --plan and --job_id', async () => {
    const runId = await startSparkJob(task('raw/claims/acme claims.csv.gz'), deps());
    assert.equal(runId, 'jr_0123456789abcdef');
    assert.deepEqual(
      glue.commandCalls(StartJobRunCommand).map((c) => c.args[0].input),
      [
        {
          JobName: JOB_NAME,
          Arguments: { '--plan': `s3://claims-output/temp/${JOB_ID}/plan.json`, '--job_id': JOB_ID },
        },
      ],
    );
    // The head came from one ranged read of the gzip object (about 2 MB), decompressed.
    assert.deepEqual(gets, [{ Bucket: 'claims-input', Key: 'raw/claims/acme claims.csv.gz', Range: 'bytes=0-65535' }]);
    const plan = await readPlan();
    assert.equal(plan.dialect, 'spark');
    assert.equal(plan.job_id, JOB_ID);
    assert.deepEqual(plan.input, {
      view: 'source_rows',
      path: 's3://claims-input/raw/claims/acme claims.csv.gz',
      format: 'csv',
      compression: 'gzip',
      delimiter: ',',
      columns: [...GENERATED_COLUMNS],
      view_columns: GENERATED_COLUMNS.map((_, i) => `col_${i + 1}`),
    });
    // Only the lists found under refdata/: their rules run, the others are left out.
    assert.deepEqual(plan.code_sets, {
      refdata_place_of_service: 's3://claims-output/refdata/tuva-terminology/terminology__place_of_service.csv',
      refdata_bill_type: 's3://claims-output/refdata/tuva-terminology/terminology__bill_type.csv',
    });
    const statements = plan.statements.map((s) => s.sql).join('\n');
    assert.match(statements, /'unknown_place_of_service'/);
    assert.doesNotMatch(statements, /'unknown_icd10cm_code'/);
    const checked = plan.statements.find((s) => s.name === 'checked')?.sql ?? '';
    assert.match(checked, /DATE '2026-01-31'/, 'the run date is the clock day');
    assert.deepEqual(plan.statements.find((s) => s.name === 'claims')?.output, {
      path: `s3://claims-output/temp/${JOB_ID}/claims`,
      format: 'parquet',
      partition_by: ['year', 'month'],
    });
  });

  it('keeps the task and how the file is judged in temp/<job_id>/job.json, for the completion step', async () => {
    await startSparkJob(task('raw/claims/acme claims.csv.gz'), deps());
    const manifest = parseSparkJobManifest(await store.readText(`temp/${JOB_ID}/job.json`));
    assert.deepEqual(manifest.task, task('raw/claims/acme claims.csv.gz'));
    assert.equal(manifest.started_at, '2026-01-31T10:20:30.000Z');
    assert.equal(manifest.format, 'csv');
    assert.equal(manifest.error_rate_threshold, 0.05);
    assert.equal(manifest.data_source, runConfigSchema.parse({}).data_source);
    // Every catalog rule is either run (in catalog order, with its action) or skipped: here the
    // code-set rules whose lists are not under refdata/.
    const run = manifest.rules.map((r) => r.id);
    const skipped = manifest.skipped_rules.map((r) => r.rule_id);
    assert.deepEqual(
      ROW_RULES.map((r) => r.id).filter((id) => !skipped.includes(id)),
      run,
    );
    assert.ok(run.includes('unknown_place_of_service') && skipped.includes('unknown_icd10cm_code'));
    assert.deepEqual(
      manifest.rules.find((r) => r.id === 'required_field_missing'),
      { id: 'required_field_missing', action: 'quarantine', severity: 'high' },
    );
    assert.deepEqual(manifest.unknown_columns, []);
    assert.equal(manifest.profile?.name, 'standard', 'the generated columns are the standard profile');
    assert.deepEqual(
      resolveManifestRules(manifest).map((r) => r.id),
      manifest.rules.map((r) => r.id),
    );
  });

  it('asks for Glue workers by the file size, within the environment ceiling, when given one', async () => {
    const GiB = 1024 ** 3;
    for (const bytes of [0.3 * GiB, 3 * GiB, 30 * GiB]) {
      await startSparkJob(task('raw/claims/acme claims.csv.gz'), { ...deps(), workers: { bytes, max: 20 } });
    }
    assert.deepEqual(
      glue.commandCalls(StartJobRunCommand).map((c) => [c.args[0].input.WorkerType, c.args[0].input.NumberOfWorkers]),
      [
        ['G.1X', 2],
        ['G.1X', 6],
        ['G.1X', 20],
      ],
    );
  });

  it('plans a Tuva claim file and a SynPUF carrier file through their profiles, with the companions under their prefix', async () => {
    const samples = join(SHARED_DIR, 'samples');
    const upload = (path: string, key: string) => store.copyIn(join(samples, path), key);
    await upload('tuva/medical_claim_seed.csv', 'raw/claims/tuva/medical_claim_seed.csv');
    await upload('tuva/eligibility_seed.csv', 'raw/claims/tuva/eligibility_seed.csv');
    // Not beside the claim file, so not its companion.
    await upload('tuva/eligibility_seed.csv', 'raw/claims/tuva/older/eligibility_seed.csv');
    await upload('synpuf/ohdsi-tiny/input/carrier_claims.csv', 'raw/claims/synpuf/carrier_claims.csv');
    await upload('synpuf/ohdsi-tiny/input/beneficiary_summary.csv', 'raw/claims/synpuf/beneficiary_summary.csv');
    const cases = [
      {
        key: 'raw/claims/tuva/medical_claim_seed.csv',
        profile: 'tuva',
        layout: 'medical_claim',
        companion: 'eligibility',
      },
      {
        key: 'raw/claims/synpuf/carrier_claims.csv',
        profile: 'cms-synpuf',
        layout: 'carrier',
        companion: 'beneficiary',
      },
    ];
    for (const { key, profile, layout, companion } of cases) {
      gets.length = 0;
      await startSparkJob(task(key), deps());
      const reads = gets.splice(0);
      const plan = await readPlan();
      const companionFile = key.replace(
        /[^/]+$/,
        companion === 'eligibility' ? 'eligibility_seed.csv' : 'beneficiary_summary.csv',
      );
      // The companion is read by Spark from S3, under a view the mapped rows join.
      assert.deepEqual(
        Object.values(plan.companion_files).map((f) => f.path),
        [`s3://claims-input/${companionFile}`],
        key,
      );
      assert.deepEqual(Object.keys(plan.companion_files), [`companion_${companion}_file_0`]);
      const mapped = plan.statements.find((s) => s.name === 'mapped')?.sql ?? '';
      assert.match(mapped, new RegExp(`companion_${companion}\\b`), 'the layout joins the companion');
      assert.ok(plan.statements.some((s) => s.name === `companion_${companion}`));
      // Heads by ranged reads only: the file's and its companion's, nothing downloaded whole.
      assert.deepEqual(
        reads.map((g) => g as { Key: string; Range?: string }).map(({ Key, Range }) => [Key, Range]),
        [key, companionFile].map((k) => [k, `bytes=0-${HEAD_BYTES - 1}`]),
      );
      const manifest = parseSparkJobManifest(await store.readText(`temp/${JOB_ID}/job.json`));
      assert.deepEqual(
        manifest.profile && {
          name: manifest.profile.name,
          layout: manifest.profile.layout,
          companions: manifest.profile.companions,
        },
        { name: profile, layout, companions: [{ name: companion, files: [companionFile.split('/').at(-1)] }] },
      );
      assert.equal(manifest.publishes, true);
      assert.equal(manifest.format, 'csv');
      // The plan compiles the rules the layout can feed, as the DuckDB job runs them: SynPUF carrier
      // files have no place of service, Tuva's layout matches every column by name.
      const unfed = manifest.skipped_rules.filter((s) => s.reason.includes(' never carries '));
      assert.deepEqual(
        unfed.find((s) => s.rule_id === 'missing_pos_professional'),
        profile === 'cms-synpuf'
          ? { rule_id: 'missing_pos_professional', reason: 'cms-synpuf/carrier never carries place_of_service_code' }
          : undefined,
      );
      for (const { rule_id } of unfed) assert.ok(!manifest.rules.some((r) => r.id === rule_id), rule_id);
      assert.equal(manifest.rules.length + manifest.skipped_rules.length, ROW_RULES.length);
    }
  });

  it('converts an X12 837 from S3 to S3 under temp/<job_id>/ and plans over its NDJSON, gzip or not', async () => {
    const x12 = await readFile(join(SHARED_DIR, 'samples/x12/linuxforhealth/837_005010X222A2_demo.example1.837'));
    await writeFile(join(files, 'demo.837.gz'), gzipSync(x12));
    await writeFile(join(files, 'demo.837'), x12);
    const converted: string[] = [];
    for (const name of ['demo.837', 'demo.837.gz']) {
      await store.copyIn(join(files, name), `raw/claims/x12/${name}`);
      await startSparkJob(task(`raw/claims/x12/${name}`), {
        ...deps(),
        convertRecords: { x12: s3X12Converter(store) },
      });
      const plan = await readPlan();
      assert.equal(plan.input.path, `s3://claims-output/temp/${JOB_ID}/records.ndjson`);
      assert.deepEqual([plan.input.format, plan.input.compression], ['ndjson', 'none']);
      const manifest = parseSparkJobManifest(await store.readText(`temp/${JOB_ID}/job.json`));
      assert.deepEqual([manifest.format, manifest.profile?.name], ['x12', 'x12-837']);
      const records = await store.readText(`temp/${JOB_ID}/records.ndjson`);
      const lines = records.trimEnd().split('\n');
      assert.equal(manifest.profile?.conversion?.lines, lines.length);
      assert.ok(lines.length > 0 && lines.every((l) => typeof JSON.parse(l).claim_id === 'string'));
      converted.push(records);
    }
    assert.equal(converted[1], converted[0], 'the gzip object converts to the same records');
    // The same records as the converter writes from a local file (claimflow run's).
    await convertX12(join(files, 'demo.837'), join(files, 'demo.ndjson'));
    assert.equal(converted[0], await readFile(join(files, 'demo.ndjson'), 'utf8'));
  });

  it('starts no run for a file that cannot be planned', async () => {
    await assert.rejects(
      startSparkJob(task('raw/claims/bad.csv'), deps()),
      (error) => error instanceof ClaimFileError && error.ruleId === 'missing_required_column',
    );
    assert.equal(glue.commandCalls(StartJobRunCommand).length, 0);
  });

  it('makes throttling and a full job (its concurrent-run limit) transient, so the runtime retries the start', async () => {
    glue.on(StartJobRunCommand).rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    await assert.rejects(startSparkJob(task('raw/claims/acme claims.csv.gz'), deps()), TransientError);
    glue.on(StartJobRunCommand).rejects(new ConcurrentRunsExceededException({ message: 'too many', $metadata: {} }));
    await assert.rejects(startSparkJob(task('raw/claims/acme claims.csv.gz'), deps()), TransientError);
    glue.on(StartJobRunCommand).rejects(new EntityNotFoundException({ message: 'no such job', $metadata: {} }));
    await assert.rejects(
      startSparkJob(task('raw/claims/acme claims.csv.gz'), deps()),
      (error) => error instanceof EntityNotFoundException,
    );
  });
});

describe('GlueJobRunner.runState (glueRunState)', () => {
  const client = new GlueClient({ region: 'us-east-1' });
  const glue = mockClient(client);
  const runner = new GlueJobRunner(client, JOB_NAME);
  beforeEach(() => glue.reset());

  it('asks GetJobRun for the run and reports where it stands, with the arguments it was started with', async () => {
    const Arguments = { '--plan': `s3://claims-output/temp/${JOB_ID}/plan.json`, '--job_id': JOB_ID };
    glue.on(GetJobRunCommand).resolves({ JobRun: { JobRunState: 'RUNNING', Arguments } });
    assert.deepEqual(await runner.runState('jr_1'), {
      runId: 'jr_1',
      state: 'RUNNING',
      finished: false,
      succeeded: false,
      error: null,
      executionSeconds: null,
      arguments: Arguments,
    });
    assert.deepEqual(
      glue.commandCalls(GetJobRunCommand).map((c) => c.args[0].input),
      [{ JobName: JOB_NAME, RunId: 'jr_1' }],
    );
  });

  it('cuts the error at its first quote, where Spark quotes data', async () => {
    glue.on(GetJobRunCommand).resolves({
      JobRun: {
        JobRunState: 'FAILED',
        ErrorMessage: "NumberFormatException: The value 'A123 SMITH' of the type STRING cannot be cast\n  at ...",
        ExecutionTime: 42,
      },
    });
    assert.deepEqual(await runner.runState('jr_2'), {
      runId: 'jr_2',
      state: 'FAILED',
      finished: true,
      succeeded: false,
      error: 'NumberFormatException: The value',
      executionSeconds: 42,
      arguments: {},
    });
  });
});
