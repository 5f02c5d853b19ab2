import { missingRequiredColumns } from '../../domain/canonical-model.ts';
import { detectFormat, HEAD_BYTES } from '../../domain/detect-format.ts';
import { type FileTask, fileTaskSchema, TOPICS } from '../messages.ts';
import { runFileJob } from './etl.ts';
import type { HandlerDeps } from './handler-deps.ts';

/**
 * data-validation: file-level checks that need only the head of the file (readable, known
 * format, required columns). A file that fails them goes straight to the rejection the ETL
 * would give it, without taking an engine session for the whole file.
 */
export async function handleDataValidation(raw: unknown, deps: HandlerDeps): Promise<void> {
  const task: FileTask = fileTaskSchema.parse(raw);
  await deps.ledger.recordAttempt(task.job_id);
  // The head alone: a ranged GET on S3, so a file of any size is judged without downloading it.
  const head = await deps.store.readHead(task.key, HEAD_BYTES);
  const detection = detectFormat(task.input_file, head.bytes);
  const problem =
    head.bytes.length === 0 ||
    !detection.ok ||
    (detection.format.kind === 'csv' && missingRequiredColumns(detection.format.header).length > 0);
  if (problem) {
    await runFileJob(task, deps);
    return;
  }
  await deps.bus.publish(TOPICS.etl, task);
}
