import { processFile } from '../file-job/file-job.ts';
import type { FileJobOptions, FileJobResult } from '../file-job/file-job-options.ts';
import { type FileTask, fileTaskSchema } from '../messages.ts';
import { sourceKeyOf } from '../source-key.ts';
import { finishFileJob } from './finish-file-job.ts';
import type { HandlerDeps } from './handler-deps.ts';

/** etl: the staged plan over the whole file (check, route, dedupe, enrich, publish). */
export async function handleEtl(raw: unknown, deps: HandlerDeps): Promise<void> {
  await runFileJob(fileTaskSchema.parse(raw), deps);
}

/** Runs the file job and hands a success to post-processing, or finishes a rejected job. */
export async function runFileJob(task: FileTask, deps: HandlerDeps): Promise<void> {
  const result = await processObject(task.key, task.job_id, deps, 'run');
  if (result.moreTables.length > 0) {
    // One task is one job here: a record file's claims of other tables (FHIR pharmacy claims beside
    // medical ones, 834 enrollments) are counted in the report's conversion.other_tables but not
    // published on AWS yet.
    deps.logger.warn('claims of other tables not published', {
      job_id: task.job_id,
      tables: result.moreTables.join(','),
    });
  }
  await finishFileJob(task, result, deps, 'etl');
}

/** The staged plan over the object at `key`, downloaded to scratch, on an engine session of its own. */
export async function processObject(
  key: string,
  jobId: string,
  deps: HandlerDeps,
  mode: FileJobOptions['mode'],
): Promise<FileJobResult> {
  const engine = await deps.openEngine();
  const download = `input-${jobId}`;
  try {
    const path = await deps.store.fetchLocal(key, download);
    // Outputs are named by the object, not by its download, so a corrected delivery replaces them.
    const sourceKey = sourceKeyOf(deps.store.locate(key));
    return await processFile(path, { ...deps, engine }, { ...deps.settingsFor(path), jobId, mode, sourceKey });
  } finally {
    engine.close();
    await deps.store.dropScratch(download);
  }
}
