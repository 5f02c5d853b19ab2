import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetJobRunCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type AwsHandlerDeps,
  createAwsHandlerDeps,
  type LambdaContainer,
} from '../../src/adapters/aws/aws-handler-deps.ts';
import { DynamoDbLedger } from '../../src/adapters/aws/dynamodb-ledger.ts';
import { createEtlHandler } from '../../src/adapters/aws/lambda/etl.ts';
import { createGlueCompletionHandler } from '../../src/adapters/aws/lambda/glue-completion.ts';
import { createPostProcessingHandler } from '../../src/adapters/aws/lambda/post-processing.ts';
import { createTriggerHandler } from '../../src/adapters/aws/lambda/trigger.ts';
import { createValidationHandler } from '../../src/adapters/aws/lambda/validation.ts';
import { type LambdaEnv, parseLambdaEnv } from '../../src/adapters/aws/lambda-env.ts';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { runPlanLocally } from '../../src/adapters/emulator/glue-local-run.ts';
import { createLogger } from '../../src/adapters/logging/json-logger.ts';
import type { SparkWorker } from '../../src/adapters/spark/spark-worker.ts';
import { type FileTask, TOPICS, type Topic } from '../../src/pipeline/messages.ts';
import { sourceKeyOf } from '../../src/pipeline/source-key.ts';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import type { EnginePlan } from '../../src/plan/engine-plan.ts';
import {
  BUCKETS,
  filesUnder,
  generateAndRunLocally,
  type LocalRun,
  lambdaEnvVars,
  QueuedBus,
  RUN_DATE,
  sha256,
  snsEvent,
  sortedRows,
  uploadRefdata,
  writeAwsLayoutConfig,
} from '../support/aws-lambda-harness.ts';
import { claimflow, lit, sql, tempDir } from '../support/cli.ts';
import {
  createBuckets,
  createLedgerTable,
  createQueue,
  type MotoServices,
  receiveAll,
  startMoto,
} from '../support/moto.ts';
import { SHARED_DIR } from '../support/shared.ts';
import { startTestWorker } from '../support/spark-plan-job.ts';

const REFDATA = join(SHARED_DIR, 'refdata');

/** What EventBridge hands the function when a run of the Glue job changes state. */
function glueStateChange(jobName: string, jobRunId: string, state: string) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Glue Job State Change',
    source: 'aws.glue',
    account: '000000000000',
    time: `${RUN_DATE}T13:00:00Z`,
    region: 'us-east-1',
    resources: [],
    detail: { jobName, severity: 'INFO', state, jobRunId, message: `Job run ${state.toLowerCase()}` },
  };
}

/** The report fields that do not depend on the engine or the run (no profile, timings, locations). */
const comparable = (r: ValidationReport) => ({
  validation_status: r.validation_status,
  summary: r.summary,
  processed_records: r.processed_records,
  duplicates_removed: r.duplicates_removed,
  quality: r.quality,
  rules: r.rules,
  skipped_rules: r.skipped_rules,
  file_error: r.file_error,
  unknown_columns: r.unknown_columns,
  missing_optional_columns: r.missing_optional_columns,
});

/**
 * Large files on AWS, against moto on loopback (S3, the DynamoDB ledger, the manual-review queue on
 * SQS): etl hands the Spark plan to Glue, the outputs Glue would write are made by running that very
 * plan with glue/run_plan.py on local Spark as the emulator does; the glue-completion function then
 * finishes the job from the run's state-change event, and the outcome must be what `claimflow run`
 * gives for the same file. Glue's client is mocked at its boundary (StartJobRun, GetJobRun): moto's
 * Glue runs nothing, and each case sets the run's state and error message itself.
 */
describe('glue-completion: a Glue run finished like a file run in the function', () => {
  let moto: MotoServices;
  let reviewQueue: string;
  let dir: string;
  let env: LambdaEnv;
  let store: S3ObjectStore;
  let deps: AwsHandlerDeps;
  let ledger: DynamoDbLedger;
  const bus = new QueuedBus();
  const logs: string[] = [];
  const glue = new GlueClient({ region: 'us-east-1' });
  const glueMock = mockClient(glue);
  let runs = 0;
  let entry: {
    trigger: (event: unknown) => Promise<unknown>;
    byTopic: Partial<Record<Topic, (event: unknown) => Promise<unknown>>>;
    complete: (event: unknown) => Promise<void>;
  };
  let good: LocalRun;
  let bad: LocalRun;
  let worker: SparkWorker | undefined;

  const drain = (): Promise<void> =>
    bus.drain(async (topic, message) => {
      await entry.byTopic[topic]?.(snsEvent(topic, message));
    });

  /** Delivers `file` at `key` through trigger, validation and etl, which hand it to Glue; returns the task. */
  async function handToGlue(file: string, key: string): Promise<{ task: FileTask; runId: string }> {
    const runId = `jr_${++runs}`;
    glueMock.on(StartJobRunCommand).resolves({ JobRunId: runId });
    await moto.s3.send(new PutObjectCommand({ Bucket: BUCKETS.input, Key: key, Body: await readFile(file) }));
    const encoded = encodeURIComponent(key).replaceAll('%2F', '/');
    await entry.trigger({
      Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKETS.input }, object: { key: encoded } } }],
    });
    await drain();
    const handed = bus.delivered.filter((d) => d.topic === TOPICS.etl).at(-1)?.message as FileTask | undefined;
    assert.ok(handed && handed.key === key, `${key} was not handed to etl: ${logs.slice(-4).join('\n')}`);
    assert.ok(logs.some((l) => l.includes('"etl handed to glue"') && l.includes(runId)));
    return { task: handed, runId };
  }

  /**
   * What the Glue run writes under temp/<job_id>/: the Spark plan etl wrote, run by glue/run_plan.py
   * on local Spark as the emulator runs it (runPlanLocally: its S3 locations moved onto disk, its
   * outputs uploaded where Glue would have written them).
   */
  async function runPlanAsGlueWould(task: FileTask): Promise<EnginePlan> {
    const planLocation = store.locate(`temp/${task.job_id}/plan.json`);
    const written = JSON.parse(await store.readText(`temp/${task.job_id}/plan.json`)) as EnginePlan;
    // The object itself, or (X12) the NDJSON etl converted it to under temp/<job_id>/.
    assert.ok(
      [`s3://${BUCKETS.input}/${task.key}`, store.locate(`temp/${task.job_id}/records.ndjson`)].includes(
        written.input.path,
      ),
      written.input.path,
    );
    await runPlanLocally(moto.s3, worker as SparkWorker, planLocation, task.job_id, join(dir, `glue-${task.job_id}`));
    return written;
  }

  function finishRun(
    runId: string,
    jobId: string,
    run: { JobRunState: 'SUCCEEDED' | 'FAILED'; ErrorMessage?: string },
  ) {
    glueMock.on(GetJobRunCommand, { RunId: runId }).resolves({
      JobRun: {
        ...run,
        Id: runId,
        ExecutionTime: 61,
        Arguments: { '--plan': `s3://${BUCKETS.output}/temp/${jobId}/plan.json`, '--job_id': jobId },
      },
    });
    return entry.complete(glueStateChange(env.GLUE_JOB_NAME, runId, run.JobRunState));
  }

  const localReport = async (localRoot: string): Promise<ValidationReport> => {
    const [name] = (await readdir(join(localRoot, 'validation-reports'))).filter((f) => f.endsWith('.json'));
    return JSON.parse(await readFile(join(localRoot, 'validation-reports', name ?? ''), 'utf8')) as ValidationReport;
  };
  /** `claimflow run` (on DuckDB) of `file` into its own root, with the shared lists: its exit code and report. */
  async function runLocally(
    file: string,
    name: string,
  ): Promise<{ code: number; root: string; report: ValidationReport }> {
    const root = join(dir, `local-${name}`);
    const run = await claimflow(
      'run',
      file,
      ...['--config', await writeAwsLayoutConfig(dir), '--root', root, '--json', '--run-date', RUN_DATE],
      ...['--refdata', REFDATA],
    );
    return { code: run.code, root, report: await localReport(root) };
  }

  const eventsOf = (jobId: string) =>
    bus.delivered
      .filter(
        (d) => d.message.job_id === jobId || (d.message.context as { job_id?: string } | undefined)?.job_id === jobId,
      )
      .map((d) => `${d.topic} ${d.message.event_type ?? 'task'}${d.message.status ? `:${d.message.status}` : ''}`);

  before(async () => {
    dir = await tempDir('glue-completion');
    worker = await startTestWorker();
    moto = await startMoto();
    await createBuckets(moto.s3, [BUCKETS.input, BUCKETS.output]);
    // Every file is "large": etl hands each one to Glue.
    reviewQueue = (await createQueue(moto.sqs, 'claimflow-dev-review')).url;
    env = parseLambdaEnv({ ...lambdaEnvVars(BUCKETS), DUCKDB_MAX_BYTES: '1', DEAD_LETTER_QUEUE_URL: reviewQueue });
    await uploadRefdata(moto.s3, BUCKETS.output, env.REFDATA_PREFIX, REFDATA);
    store = new S3ObjectStore(moto.s3, BUCKETS, join(dir, 'lambda-tmp', 'scratch'));
    await createLedgerTable(moto.dynamodb, env.LEDGER_TABLE);
    ledger = new DynamoDbLedger(moto.dynamodb, env.LEDGER_TABLE);
    deps = createAwsHandlerDeps(
      { store, bus, ledger },
      {
        refdataPrefix: env.REFDATA_PREFIX,
        localRoot: join(dir, 'lambda-tmp'),
        memoryMb: 512,
        logger: createLogger(true, { write: (line: string) => logs.push(line) > 0 }),
        clock: { now: () => new Date(`${RUN_DATE}T12:00:00Z`) },
      },
    );
    const container = (): LambdaContainer => ({ env, store, deps });
    entry = {
      trigger: createTriggerHandler(container),
      byTopic: {
        [TOPICS.validate]: createValidationHandler(container),
        [TOPICS.etl]: createEtlHandler(container, glue),
        [TOPICS.postProcess]: createPostProcessingHandler(container),
      },
      complete: createGlueCompletionHandler(container, glue, moto.sqs),
    };
    good = await generateAndRunLocally(dir, 'claims-good.csv', { seed: 31, runDate: RUN_DATE, defectRate: 0.04 });
    bad = await generateAndRunLocally(dir, 'claims-bad.csv', {
      seed: 32,
      runDate: RUN_DATE,
      defectRate: 0.3,
      rejected: true,
    });
  });

  after(async () => {
    await worker?.close();
    glueMock.restore();
    deps?.close();
    await moto?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes what claimflow run publishes, writes the report, clears temp/ and hands the month to post-processing', async () => {
    const key = 'raw/claims/large feed é 2025-10.csv';
    const { task, runId } = await handToGlue(good.file, key);
    await runPlanAsGlueWould(task);
    const sourceKey = sourceKeyOf(store.locate(key));

    await finishRun(runId, task.job_id, { JobRunState: 'SUCCEEDED' });
    await drain();

    assert.deepEqual(
      glueMock.commandCalls(GetJobRunCommand).map((c) => c.args[0].input),
      [{ JobName: env.GLUE_JOB_NAME, RunId: runId }],
    );
    const report = JSON.parse(await store.readText(`validation-reports/${task.job_id}.json`)) as ValidationReport;
    const local = await localReport(good.localRoot);
    assert.deepEqual(comparable(report), comparable(local), 'the same counts, rules, samples and score');
    assert.ok(report.summary.error_records > 50 && report.duplicates_removed.total > 0, 'the file has defects');
    assert.equal(report.processed_records, good.local.processed_records);
    assert.equal(report.report_location, `s3://${BUCKETS.output}/validation-reports/${task.job_id}.json`);
    assert.equal(report.timings_ms.spark, 61_000);

    // Spark writes as many part files as its last stage had partitions: each is published, numbered.
    const processedKeys = report.outputs.processed;
    assert.ok(processedKeys.length > 0);
    assert.deepEqual(
      processedKeys,
      processedKeys.map((_, n) => `processed/claims/year=2025/month=10/${sourceKey}-${n}.parquet`),
    );
    const scratch = `verify-${task.job_id}`;
    const processed = await sortedRows(await Promise.all(processedKeys.map((k) => store.fetchLocal(k, scratch))));
    assert.equal(processed.length, good.local.processed_records);
    const localProcessed = (await filesUnder(join(good.localRoot, 'processed/claims'))).filter((p) =>
      p.endsWith('.parquet'),
    );
    assert.deepEqual(processed, await sortedRows(localProcessed), 'the same rows as claimflow run');

    // One part is published under the source's own name, as DuckDB names it; several are numbered.
    const quarantineKeys = await store.list('quarantine/rows');
    if (quarantineKeys.length === 1) {
      assert.deepEqual(quarantineKeys, [`quarantine/rows/${sourceKey}.parquet`]);
      assert.equal(report.outputs.quarantine_rows, quarantineKeys[0]);
    } else {
      assert.deepEqual(
        quarantineKeys,
        quarantineKeys.map((_, n) => `quarantine/rows/${sourceKey}-${n}.parquet`),
      );
      assert.equal(report.outputs.quarantine_rows, `quarantine/rows/${sourceKey}-*.parquet`);
    }
    const quarantined = await sortedRows(await Promise.all(quarantineKeys.map((k) => store.fetchLocal(k, scratch))));
    assert.equal(quarantined.length, report.summary.error_records);
    assert.deepEqual(quarantined, await sortedRows(await filesUnder(join(good.localRoot, 'quarantine/rows'))));
    await store.dropScratch(scratch);

    assert.equal(report.outputs.archive, `archive/${RUN_DATE}/${task.job_id}/large feed é 2025-10.csv`);
    assert.equal(await store.hash(report.outputs.archive), sha256(await readFile(good.file)));
    assert.deepEqual(await store.list(`temp/${task.job_id}`), [], 'temp/<job_id>/ is gone');
    const postProcess = bus.delivered.filter((d) => d.topic === TOPICS.postProcess && d.message.job_id === task.job_id);
    assert.deepEqual(
      postProcess.map((d) => d.message.months),
      [['2025-10']],
    );
    assert.deepEqual(eventsOf(task.job_id), [
      `${TOPICS.events} job_status_update:STARTED`,
      `${TOPICS.validate} task`,
      `${TOPICS.etl} task`,
      `${TOPICS.events} validation_output`,
      `${TOPICS.postProcess} task`,
      `${TOPICS.events} job_status_update:SUCCEEDED`,
    ]);
    const job = await ledger.job(task.job_id);
    assert.deepEqual(
      [job?.status, job?.processed_records, job?.quarantined_records],
      ['SUCCEEDED', good.local.processed_records, report.summary.error_records],
    );
    assert.equal((await store.list('raw/claims')).includes(key), false, 'post-processing removed the inbox copy');
    const aggregate = await store.fetchLocal(
      'processed/aggregations/monthly_by_payer_claim_type/2025-10.parquet',
      'agg',
    );
    const [totals] = await sql(`SELECT SUM(line_count) AS lines FROM read_parquet(${lit(aggregate)})`);
    assert.equal(Number(totals?.lines), good.local.processed_records);
    await store.dropScratch('agg');

    const delivered = bus.delivered.length;
    await entry.complete(glueStateChange(env.GLUE_JOB_NAME, runId, 'SUCCEEDED'));
    await drain();
    assert.equal(bus.delivered.length, delivered, 'a repeated event changes nothing');
  });

  it('rejects a file over the error-rate threshold whole, as claimflow run does, with the file in quarantine/files', async () => {
    const key = 'raw/claims/large bad feed.csv';
    const { task, runId } = await handToGlue(bad.file, key);
    await runPlanAsGlueWould(task);

    await finishRun(runId, task.job_id, { JobRunState: 'SUCCEEDED' });
    await drain();

    const report = JSON.parse(await store.readText(`validation-reports/${task.job_id}.json`)) as ValidationReport;
    const local = await localReport(bad.localRoot);
    assert.equal(report.file_error?.rule_id, 'error_rate_exceeded');
    assert.deepEqual(comparable(report), comparable(local));
    const quarantineFile = `quarantine/files/${task.job_id}/large bad feed.csv`;
    assert.equal(report.outputs.quarantine_file, quarantineFile);
    assert.equal(await store.hash(quarantineFile), sha256(await readFile(bad.file)));
    const sourceKey = sourceKeyOf(store.locate(key));
    const published = [...(await store.list('processed/claims')), ...(await store.list('quarantine/rows'))];
    assert.deepEqual(
      published.filter((k) => k.includes(sourceKey)),
      [],
      'none of its rows are published',
    );
    const job = await ledger.job(task.job_id);
    assert.equal(job?.status, 'FAILED');
    assert.match(job?.error ?? '', /^error_rate_exceeded: \d+ of 3000 rows/);
    assert.deepEqual(eventsOf(task.job_id).slice(3), [
      `${TOPICS.events} validation_output`,
      `${TOPICS.errors} error`,
      `${TOPICS.events} job_status_update:FAILED`,
    ]);
    assert.equal(bus.delivered.filter((d) => d.topic === TOPICS.errors).at(-1)?.message.error_type, 'data_quality');
    assert.equal((await store.list('raw/claims')).includes(key), false);
    assert.deepEqual(await store.list(`temp/${task.job_id}`), []);
  });

  it('plans a Tuva claim file and a SynPUF carrier file through their profiles and companions, publishing what claimflow run publishes', async () => {
    const samples = join(SHARED_DIR, 'samples');
    const pairs = [
      { name: 'tuva', folder: 'tuva', file: 'medical_claim_seed.csv', companion: 'eligibility_seed.csv' },
      {
        name: 'synpuf',
        folder: 'synpuf/ohdsi-tiny/input',
        file: 'carrier_claims.csv',
        companion: 'beneficiary_summary.csv',
      },
    ];
    for (const { name, folder, file, companion } of pairs) {
      // The pair on disk, run by `claimflow run` (on DuckDB) into its own root.
      const local = join(dir, `pair-${name}`);
      await mkdir(local, { recursive: true });
      for (const f of [file, companion]) await copyFile(join(samples, folder, f), join(local, f));
      const { code, root: localRoot, report: expected } = await runLocally(join(local, file), name);
      assert.equal(code, 0);

      // The same pair delivered under one prefix: the companion lies there, the claim file arrives.
      const prefix = `raw/claims/${name} feed/`;
      const companionBody = await readFile(join(local, companion));
      await moto.s3.send(
        new PutObjectCommand({ Bucket: BUCKETS.input, Key: `${prefix}${companion}`, Body: companionBody }),
      );
      const { task, runId } = await handToGlue(join(local, file), `${prefix}${file}`);
      const plan = await runPlanAsGlueWould(task);
      assert.deepEqual(
        Object.values(plan.companion_files).map((f) => f.path),
        [`s3://${BUCKETS.input}/${prefix}${companion}`],
        `${name}: the plan reads the companion beside the file`,
      );
      await finishRun(runId, task.job_id, { JobRunState: 'SUCCEEDED' });
      await drain();

      const report = JSON.parse(await store.readText(`validation-reports/${task.job_id}.json`)) as ValidationReport;
      assert.equal(report.validation_status, 'success', name);
      assert.deepEqual(comparable(report), comparable(expected), `${name}: the same counts, rules and score`);
      assert.deepEqual(report.profile, expected.profile, `${name}: the same profile, companions and source records`);
      assert.equal(report.profile?.companions[0]?.files[0], companion);

      // The published rows read back by DuckDB: the same rows as claimflow run's, every column but the lineage.
      const sourceKey = sourceKeyOf(store.locate(task.key));
      const scratch = `verify-${task.job_id}`;
      const rowsOf = async (paths: readonly string[]) => (paths.length > 0 ? sortedRows(paths) : []);
      const fetched = async (keys: readonly string[]) =>
        rowsOf(await Promise.all(keys.map((k) => store.fetchLocal(k, scratch))));
      const parquetUnder = async (path: string) =>
        rowsOf((await filesUnder(join(localRoot, path)).catch(() => [])).filter((p) => p.endsWith('.parquet')));
      const processed = await fetched(report.outputs.processed);
      assert.equal(processed.length, expected.processed_records, name);
      assert.ok(processed.length > 0, `${name} publishes rows`);
      assert.deepEqual(processed, await parquetUnder('processed/claims'), `${name}: processed rows`);
      const quarantineKeys = (await store.list('quarantine/rows')).filter((k) => k.includes(sourceKey));
      assert.deepEqual(
        await fetched(quarantineKeys),
        await parquetUnder('quarantine/rows'),
        `${name}: quarantined rows`,
      );
      await store.dropScratch(scratch);
      assert.deepEqual(await store.list(`temp/${task.job_id}`), [], 'temp/<job_id>/ is gone');
    }
  });

  it('converts a large X12 837 from S3 to S3 for Glue, publishing what claimflow run publishes', async () => {
    const file = join(SHARED_DIR, 'samples/x12/linuxforhealth/837_005010X222A2_demo.example1.837');
    const { code, root: localRoot, report: expected } = await runLocally(file, 'x12');
    assert.equal(code, 0);
    const { task, runId } = await handToGlue(file, 'raw/claims/x12 feed/837_005010X222A2_demo.example1.837');
    const plan = await runPlanAsGlueWould(task);
    assert.equal(plan.input.format, 'ndjson');
    await finishRun(runId, task.job_id, { JobRunState: 'SUCCEEDED' });
    await drain();
    const report = JSON.parse(await store.readText(`validation-reports/${task.job_id}.json`)) as ValidationReport;
    assert.deepEqual(comparable(report), comparable(expected));
    assert.deepEqual(report.profile, expected.profile, 'x12-837, with the same conversion counts');
    assert.equal(report.format, 'x12');
    const scratch = `verify-${task.job_id}`;
    const processed = await sortedRows(
      await Promise.all(report.outputs.processed.map((k) => store.fetchLocal(k, scratch))),
    );
    const localProcessed = (await filesUnder(join(localRoot, 'processed/claims'))).filter((p) =>
      p.endsWith('.parquet'),
    );
    assert.ok(processed.length > 0);
    assert.deepEqual(processed, await sortedRows(localProcessed));
    await store.dropScratch(scratch);
    assert.deepEqual(await store.list(`temp/${task.job_id}`), [], 'the converted records went with temp/<job_id>/');
  });

  it('keeps a large FHIR bundle in the function (its converter needs local files), run as claimflow run runs it', async () => {
    const file = join(SHARED_DIR, 'samples/synthea/fhir/Rodrigo242_Grady603_9f39bf35-ea79-4383-4eb1-36c43280dff2.json');
    const { code, report: expected } = await runLocally(file, 'fhir');
    const starts = glueMock.commandCalls(StartJobRunCommand).length;
    const key = 'raw/claims/fhir feed/bundle.json';
    await moto.s3.send(new PutObjectCommand({ Bucket: BUCKETS.input, Key: key, Body: await readFile(file) }));
    await entry.trigger({
      Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKETS.input }, object: { key } } }],
    });
    await drain();
    const task = bus.delivered.filter((d) => d.topic === TOPICS.etl).at(-1)?.message as FileTask | undefined;
    assert.equal(task?.key, key, 'validation hands the FHIR file to etl');
    assert.equal(glueMock.commandCalls(StartJobRunCommand).length, starts, 'no Glue run');
    const kept = logs.find((l) => l.includes('"etl keeps a record file in the function"') && l.includes(task.job_id));
    assert.match(kept ?? '', /fhir is converted to NDJSON through local files/);
    const report = JSON.parse(await store.readText(`validation-reports/${task.job_id}.json`)) as ValidationReport;
    assert.deepEqual(comparable(report), comparable(expected), `claimflow run exited ${code}`);
    assert.deepEqual([report.profile?.name, report.format], ['fhir-eob', 'fhir']);
  });

  it('fails the job of a FAILED run with Glue’s error cut before quoted data, dead-letters its task and clears temp/', async () => {
    const file = join(dir, 'claims-doomed.csv');
    const generated = await claimflow('generate', '--rows', '500', '--out', file, '--seed', '33', '--month', '2025-10');
    assert.equal(generated.code, 0, generated.stderr);
    const key = 'raw/claims/doomed feed.csv';
    const { task, runId } = await handToGlue(file, key);
    // The run wrote part of its outputs before it failed.
    await moto.s3.send(
      new PutObjectCommand({
        Bucket: BUCKETS.output,
        Key: `temp/${task.job_id}/summary/part-00000-x-c000.json`,
        Body: '{}',
      }),
    );

    await finishRun(runId, task.job_id, {
      JobRunState: 'FAILED',
      ErrorMessage: "AnalysisException: cannot cast 'MZQX4471 SMITH' to INT\n at org.apache.spark...",
    });
    await drain();

    const sent = (await receiveAll(moto.sqs, reviewQueue)) as Array<Record<string, unknown>>;
    assert.equal(sent.length, 1, 'one task on the manual-review queue');
    const [letter = {}] = sent;
    const problem = `glue run ${runId} ended FAILED: AnalysisException: cannot cast`;
    assert.deepEqual(
      { id: letter.id, topic: letter.topic, handler: letter.handler, message: letter.message, errors: letter.errors },
      {
        id: `${task.job_id}-etl`,
        topic: TOPICS.etl,
        handler: 'etl',
        // etl adds the object's size to the task, for the job's cost estimate.
        message: { ...task, bytes: (letter.message as { bytes?: number }).bytes },
        errors: [{ attempt: 1, error_type: 'system', message: problem, at: `${RUN_DATE}T12:00:00.000Z` }],
      },
    );
    const job = await ledger.job(task.job_id);
    assert.equal(job?.status, 'FAILED');
    assert.equal(job?.error, `system: ${problem}`);
    const error = bus.delivered.filter((d) => d.topic === TOPICS.errors).at(-1)?.message;
    assert.equal(error?.error_type, 'system');
    assert.equal(error?.error_message, `etl failed on Glue: ${problem}; dead-lettered as ${task.job_id}-etl`);
    assert.deepEqual(eventsOf(task.job_id).slice(3), [
      `${TOPICS.errors} error`,
      `${TOPICS.events} job_status_update:FAILED`,
    ]);
    assert.deepEqual(await store.list(`temp/${task.job_id}`), []);
    assert.equal(
      (await store.list('validation-reports')).some((k) => k.includes(task.job_id)),
      false,
    );
    assert.ok((await store.list('raw/claims')).includes(key), 'the input stays for the replay');
    assert.doesNotMatch([...logs, JSON.stringify(bus.delivered), JSON.stringify(sent)].join('\n'), /MZQX4471|SMITH/);
  });

  it('ignores state changes of another Glue job, and waits for a run GetJobRun does not show finished yet', async () => {
    const calls = glueMock.commandCalls(GetJobRunCommand).length;
    await entry.complete(glueStateChange('someone-elses-job', 'jr_x', 'SUCCEEDED'));
    assert.equal(glueMock.commandCalls(GetJobRunCommand).length, calls, 'not even looked up');
    glueMock.on(GetJobRunCommand, { RunId: 'jr_late' }).resolves({ JobRun: { JobRunState: 'RUNNING', Arguments: {} } });
    await assert.rejects(
      entry.complete(glueStateChange(env.GLUE_JOB_NAME, 'jr_late', 'SUCCEEDED')),
      /jr_late is still RUNNING/,
    );
    await assert.rejects(entry.complete({ source: 'aws.s3', detail: {} }), /aws\.glue/);
  });
});
