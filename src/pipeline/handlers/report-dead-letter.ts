import type { ErrorClass } from '../../domain/errors.ts';
import { emitJobMetrics } from '../metrics/emit-job-metrics.ts';
import type { DeadLetter } from '../ports.ts';
import { errorEvent, type HandlerDeps, messageInputFile, publishEvent, publishStatus } from './handler-deps.ts';

/**
 * What follows a message given up on (deliverWithRetry has put it on the dead-letter queue and
 * marked its job FAILED), locally and on AWS alike: an ERROR line in the failing function's own log,
 * the error event, which the error handler rates by the alert policy, the job's FAILED status and
 * its metrics.
 */
export async function reportDeadLetter(
  deps: Pick<HandlerDeps, 'bus' | 'clock' | 'ledger' | 'logger' | 'metrics' | 'inputFileOf'>,
  letter: DeadLetter,
  errorType: ErrorClass,
): Promise<void> {
  const message = letter.message as { job_id?: string; key?: string; input_file?: string; bytes?: number };
  const last = letter.errors.at(-1);
  // The letter's id and the error's class only: an error's text can quote the data it failed on.
  deps.logger.error('job failed', {
    job_id: message.job_id,
    file: message.input_file,
    function_name: letter.handler,
    error_type: errorType,
    attempts: letter.errors.length,
    letter_id: letter.id,
  });
  await publishEvent(
    deps,
    errorEvent(deps, {
      error_message: `${letter.handler} failed after ${letter.errors.length} attempt(s): ${last?.message ?? ''}; dead-lettered as ${letter.id}`,
      error_type: errorType,
      function_name: letter.handler,
      file: message.input_file ?? '',
      job_id: message.job_id,
    }),
  );
  if (!message.job_id) return;
  await publishStatus(deps, message.job_id, 'FAILED', messageInputFile(deps, message));
  await emitJobMetrics(deps, message.job_id, undefined, message.bytes ?? null);
}
