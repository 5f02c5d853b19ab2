import { type FileTask, fileTaskSchema, TOPICS } from '../messages.ts';
import { processFile } from '../process-file.ts';
import { sourceKeyOf } from '../source-key.ts';
import { errorEvent, type HandlerDeps, publishEvent, publishStatus } from './handler-deps.ts';

/** etl: the staged plan over the whole file (check, route, dedupe, enrich, publish). */
export async function handleEtl(raw: unknown, deps: HandlerDeps): Promise<void> {
  await runFileJob(fileTaskSchema.parse(raw), deps);
}

/** Runs the file job and hands a success to post-processing, or finishes a rejected job. */
export async function runFileJob(task: FileTask, deps: HandlerDeps): Promise<void> {
  const engine = await deps.openEngine();
  const download = `input-${task.job_id}`;
  let result: Awaited<ReturnType<typeof processFile>>;
  try {
    const path = await deps.store.fetchLocal(task.key, download);
    // Outputs are named by the object, not by its download, so a corrected delivery replaces them.
    const sourceKey = sourceKeyOf(deps.store.locate(task.key));
    result = await processFile(
      path,
      { ...deps, engine },
      { ...deps.settingsFor(path), jobId: task.job_id, mode: 'run', sourceKey },
    );
  } finally {
    engine.close();
    await deps.store.dropScratch(download);
  }
  const { report } = result;
  await publishEvent(deps, {
    event_type: 'validation_output',
    job_id: task.job_id,
    input_file: task.input_file,
    validation_status: report.validation_status,
    report_location: report.report_location,
    summary: report.summary,
    timestamp: deps.clock.now().toISOString(),
  });
  if (result.status === 'SUCCEEDED') {
    await deps.bus.publish(TOPICS.postProcess, { ...task, months: [...result.touchedMonths] });
    return;
  }
  // Data quality: the file is in quarantine/files with its report; nothing is retried.
  const reason = report.file_error ? `${report.file_error.rule_id}: ${report.file_error.reason}` : 'rejected';
  await deps.ledger.finishJob(task.job_id, 'FAILED', deps.clock.now(), {
    total: report.summary.total_records,
    quarantined: report.summary.error_records,
    error: reason,
  });
  await deps.store.delete(task.key);
  await publishEvent(
    deps,
    errorEvent(deps, {
      error_message: reason,
      error_type: 'data_quality',
      function_name: 'etl',
      file: task.input_file,
      job_id: task.job_id,
    }),
  );
  await publishStatus(deps, task.job_id, 'FAILED', task.input_file);
}
