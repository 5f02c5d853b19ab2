import { GlueClient } from '@aws-sdk/client-glue';
import { HEAD_BYTES } from '../../../domain/detect-format.ts';
import { runFileJob } from '../../../pipeline/handlers/etl.ts';
import { fileTaskSchema, TOPICS } from '../../../pipeline/messages.ts';
import { recordKindOf } from '../../../pipeline/select-profile.ts';
import { type LambdaContainer, lambdaContainer } from '../aws-handler-deps.ts';
import { s3X12Converter } from '../s3-record-converters.ts';
import { startSparkJob } from '../spark-job.ts';
import { createTaskHandler } from './deliver-task.ts';

/**
 * `claims.etl` tasks from the processing topic, delivered as locally (deliver-task.ts). The engine
 * is chosen per file: up to DUCKDB_MAX_BYTES the plan runs on DuckDB in this function, above it the
 * Spark plan goes to Glue, planned through the file's source profile (X12 converted from S3 to S3
 * first), except FHIR, which stays here.
 */
export function createEtlHandler(
  container: () => LambdaContainer,
  glue: GlueClient = new GlueClient({}),
): (event: unknown) => Promise<void> {
  return createTaskHandler(
    TOPICS.etl,
    'etl',
    async (message, { env, store, deps }) => {
      const parsed = fileTaskSchema.parse(message);
      const bytes = await store.size(parsed.key);
      // The size travels with the task to the job's end, where it picks the engine of the cost estimate.
      const task = { ...parsed, bytes };
      if (bytes <= env.DUCKDB_MAX_BYTES) {
        await runFileJob(task, deps);
        return;
      }
      // FHIR's converter keeps pending Claim resources in a second local file: a FHIR file is
      // converted and run here, in /tmp. X12 streams from S3 to S3 for Glue (docs/spark-plan.md).
      if (recordKindOf((await store.readHead(task.key, HEAD_BYTES)).bytes) === 'fhir') {
        deps.logger.info('etl keeps a record file in the function', {
          job_id: task.job_id,
          file: task.input_file,
          bytes,
          reason: 'fhir is converted to NDJSON through local files, not from S3 to S3',
        });
        await runFileJob(task, deps);
        return;
      }
      const runId = await startSparkJob(task, {
        store,
        glue,
        jobName: env.GLUE_JOB_NAME,
        refdataPrefix: env.REFDATA_PREFIX,
        workers: { bytes, max: env.GLUE_MAX_WORKERS },
        readObjectHead: (key) => store.readHead(key, HEAD_BYTES),
        logger: deps.logger,
        clock: deps.clock,
        convertRecords: { x12: s3X12Converter(store) },
      });
      deps.logger.info('etl handed to glue', { job_id: task.job_id, file: task.input_file, bytes, job_run_id: runId });
    },
    container,
  );
}

export const handler = createEtlHandler(lambdaContainer);
