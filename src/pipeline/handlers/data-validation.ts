import { detectFormat, HEAD_BYTES } from '../../domain/detect-format.ts';
import { BUILTIN_PROFILES } from '../../domain/profiles/builtin-profiles.ts';
import { type FileTask, fileTaskSchema, TOPICS } from '../messages.ts';
import { type ProfileChoice, recordKindOf, selectProfile } from '../select-profile.ts';
import { runFileJob } from './etl.ts';
import type { HandlerDeps } from './handler-deps.ts';

/** The profiles a file on AWS may take: the built-ins, detected from its content. */
const BUILT_IN: ProfileChoice = { catalog: BUILTIN_PROFILES, forced: null };

/**
 * data-validation: file-level checks that need only the head of the file (readable, known
 * format, a source profile whose required columns the header has). A file that fails them goes straight to the rejection the ETL
 * would give it, without taking an engine session for the whole file.
 */
export async function handleDataValidation(raw: unknown, deps: HandlerDeps): Promise<void> {
  const task: FileTask = fileTaskSchema.parse(raw);
  await deps.ledger.recordAttempt(task.job_id);
  // The head alone: a ranged GET on S3, so a file of any size is judged without downloading it.
  const head = await deps.store.readHead(task.key, HEAD_BYTES);
  const detection = detectFormat(task.input_file, head.bytes);
  // A CSV no source profile reads (by its header, or as X12) is rejected as etl would reject it;
  // a Tuva or SynPUF file goes on to etl like any other, so a large one runs on Glue.
  const problem =
    head.bytes.length === 0 ||
    !detection.ok ||
    (detection.format.kind === 'csv' &&
      !selectProfile({ recordKind: recordKindOf(head.bytes), columns: detection.format.header }, BUILT_IN).ok);
  if (problem) {
    await runFileJob(task, deps);
    return;
  }
  await deps.bus.publish(TOPICS.etl, task);
}
