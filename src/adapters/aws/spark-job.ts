import type { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { findCodeSetFiles } from '../../domain/code-set-files.ts';
import type { CodeSetName } from '../../domain/code-sets.ts';
import { type FileHead, HEAD_BYTES } from '../../domain/detect-format.ts';
import { PREFIXES, tempKey } from '../../domain/store-layout.ts';
import type { PlanningDeps, RecordConverters } from '../../pipeline/file-job/file-job-options.ts';
import { JobContext } from '../../pipeline/file-job/job-context.ts';
import { inspectHead } from '../../pipeline/file-job/open-input.ts';
import { planSparkFile, type SparkFindings } from '../../pipeline/file-job/plan-spark-file.ts';
import { createFileSettings, type FileSettings } from '../../pipeline/file-settings.ts';
import type { FileTask } from '../../pipeline/messages.ts';
import type { ObjectStore } from '../../pipeline/object-store.ts';
import { type Clock, type Logger, systemClock } from '../../pipeline/ports.ts';
import { runConfigSchema } from '../../pipeline/run-config.ts';
import { sourceKeyOf } from '../../pipeline/source-key.ts';
import { describeSparkJob, sparkManifestKey } from '../../pipeline/spark-job-manifest.ts';
import { codeSetRelation } from '../../plan/compile-code-set.ts';
import { enginePlanKey } from '../../plan/engine-plan.ts';
import { chooseGlueWorkers } from '../../plan/glue-workers.ts';
import { sparkDialect } from '../../plan/spark-dialect.ts';
import { GlueJobRunner } from './glue-job-runner.ts';
import { readS3Head } from './read-s3-head.ts';
import { REDSHIFT_LAYOUT } from './redshift-columns.ts';

export interface SparkJobDeps {
  readonly store: ObjectStore;
  readonly glue: GlueClient;
  /** The Glue job that runs glue/run_plan.py. */
  readonly jobName: string;
  readonly logger: Logger;
  /** The first bytes of the object at `key`, decompressed; by default a ranged GET of the S3 object the store locates. */
  readonly readObjectHead?: (key: string) => Promise<FileHead>;
  /** How a file is validated, given the reference lists found; by default the config's defaults, run date today. */
  readonly settingsFor?: (file: string, codeSets: ReadonlySet<CodeSetName>) => FileSettings;
  /** Prefix of the reference lists in the store, laid out like ../shared/refdata (default `refdata/`). */
  readonly refdataPrefix?: string;
  /** The file's size and the environment's most Glue workers: the run asks for workers by size (chooseGlueWorkers). */
  readonly workers?: { readonly bytes: number; readonly max: number };
  /** Converters of record objects (X12) to canonical NDJSON objects, by key (S3 to S3). */
  readonly convertRecords?: Partial<RecordConverters>;
  readonly clock?: Clock;
}

let defaultS3: S3Client | undefined;

/**
 * Hands a file to Glue: plans it in the Spark dialect through its source profile, as `claimflow
 * run --engine spark` does (planSparkFile): the profile chosen from the object's head, X12
 * converted to NDJSON at `temp/<job_id>/records.ndjson` (by `convertRecords`), the layout's companion files found under the
 * object's prefix, and the reference lists under the refdata prefix. The plan goes to
 * `temp/<job_id>/plan.json`, and the Glue job is started with `--plan` and `--job_id`. Beside the
 * plan, `temp/<job_id>/job.json` keeps the task, the profile and the rules it runs, for the
 * completion step. Returns the JobRunId. The outputs land under `temp/<job_id>/`
 * (docs/spark-plan.md). Throws ClaimFileError for a file that cannot be planned.
 */
export async function startSparkJob(task: FileTask, deps: SparkJobDeps): Promise<string> {
  const { store } = deps;
  const clock = deps.clock ?? systemClock;
  const codeSetFiles = await locateCodeSets(store, deps.refdataPrefix ?? PREFIXES.refdata);
  const settingsFor =
    deps.settingsFor ??
    ((file, codeSets) =>
      createFileSettings(
        runConfigSchema.parse({}),
        { runDate: clock.now().toISOString().slice(0, 10), publishedLayout: REDSHIFT_LAYOUT },
        codeSets,
        codeSetRelation,
      )(file));
  const readObjectHead =
    deps.readObjectHead ??
    (async (key: string) => {
      defaultS3 ??= new S3Client({});
      const scratch = `head-${task.job_id}`;
      try {
        return await readS3Head(defaultS3, store.locate(key), HEAD_BYTES, await store.scratchDir(scratch));
      } finally {
        await store.dropScratch(scratch);
      }
    });
  const settings = settingsFor(task.input_file, new Set(codeSetFiles.keys()));
  // The object's key is the job's path: its companions are the keys beside it.
  const job = new JobContext(
    task.key,
    {
      store,
      clock,
      logger: deps.logger,
      files: storedFiles(store, readObjectHead),
      convertRecords: deps.convertRecords,
    },
    { ...settings, jobId: task.job_id, mode: 'run', sourceKey: sourceKeyOf(store.locate(task.key)) },
  );
  const found: SparkFindings = {};
  const opened = inspectHead(job, await job.readOrHalt(() => readObjectHead(task.key)));
  const { plan, chosen } = await planSparkFile(
    job,
    opened,
    { dialect: sparkDialect, codeSetFiles },
    {
      locate: (key) => store.locate(key),
      copyInput: (key) => store.copy(task.key, key),
      records: async () => tempKey(task.job_id, 'records.ndjson'),
    },
    found,
  );
  const planKey = enginePlanKey(task.job_id);
  await store.writeText(planKey, `${JSON.stringify(plan)}\n`);
  // The task, its profile and how its file is judged, for the completion step (glue-completion) once the run ends.
  const manifest = describeSparkJob(task, { chosen, found }, settings, job.startedAt);
  await store.writeText(sparkManifestKey(task.job_id), `${JSON.stringify(manifest)}\n`);
  const workers = deps.workers && chooseGlueWorkers(deps.workers.bytes, deps.workers.max);
  return new GlueJobRunner(deps.glue, deps.jobName).start(
    { '--plan': store.locate(planKey), '--job_id': task.job_id },
    workers,
  );
}

/** The store's objects as the planning stages read files: by key, a head by ranged read, the names beside one. */
function storedFiles(store: ObjectStore, readHead: (key: string) => Promise<FileHead>): PlanningDeps['files'] {
  return {
    readHead,
    list: async (folder) => {
      const prefix = `${folder}/`;
      return (await store.list(prefix)).map((key) => key.slice(prefix.length)).filter((name) => !name.includes('/'));
    },
  };
}

/** Each reference list's object under `prefix`, as the engine reads it. */
async function locateCodeSets(store: ObjectStore, prefix: string): Promise<Map<CodeSetName, string>> {
  const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
  const keys = (await store.list(folder)).map((key) => key.slice(folder.length));
  return new Map([...findCodeSetFiles(keys)].map(([set, key]) => [set, store.locate(`${folder}${key}`)]));
}
