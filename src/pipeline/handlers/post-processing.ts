import { reportKey } from '../../domain/store-layout.ts';
import { fileTaskSchema } from '../messages.ts';
import { emitJobMetrics } from '../metrics/emit-job-metrics.ts';
import { publishAggregations } from '../publish-aggregations.ts';
import { type HandlerDeps, messageInputFile, publishStatus } from './handler-deps.ts';

/** post-processing: aggregations of the months the job changed, the warehouse, then the job is done. */
export async function handlePostProcessing(raw: unknown, deps: HandlerDeps): Promise<void> {
  const task = fileTaskSchema.parse(raw);
  const engine = await deps.openEngine();
  try {
    await deps.exclusive(async () => {
      await publishAggregations(task.months, engine, deps.store);
      await deps.refreshWarehouse();
    });
  } finally {
    engine.close();
  }
  const report = JSON.parse(await deps.store.readText(reportKey(task.job_id, 'json')));
  // Recorded before the inbox copy goes: a crash in between leaves a duplicate delivery, not lost work.
  await deps.ledger.finishJob(task.job_id, 'SUCCEEDED', deps.clock.now(), {
    total: report.summary.total_records,
    processed: report.processed_records,
    quarantined: report.summary.error_records,
  });
  await emitJobMetrics(deps, task.job_id, report, task.bytes ?? null);
  await deps.store.delete(task.key);
  await publishStatus(deps, task.job_id, 'SUCCEEDED', messageInputFile(deps, task));
}
