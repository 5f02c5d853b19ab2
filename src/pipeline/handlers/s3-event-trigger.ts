import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { isClaimFileName, nonClaimReason } from '../../domain/claim-file-name.ts';
import { unsafeKeyReason } from '../../domain/object-key.ts';
import { PREFIXES } from '../../domain/store-layout.ts';
import {
  type FileTask,
  messageTimestamp,
  type S3Event,
  s3EventSchema,
  TOPICS,
  type TriggerResponse,
} from '../messages.ts';
import { type HandlerDeps, messageInputFile, publishEvent, publishStatus } from './handler-deps.ts';

/** Names editors and transfer tools give files still being written. */
const TEMP_FILE = /(\.(tmp|temp|part|partial|crdownload|filepart|swp)|~)$/i;
export const MAX_FILE_BYTES = 50 * 1024 ** 3;

/** S3 event keys are URL-encoded with '+' for spaces; some S3-compatible servers send them raw. */
export function decodeS3Key(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

/** Why a created object is not a claim file to process, or null when it is. */
export function rejectionOf(key: string, size: number | undefined): string | null {
  const name = basename(key);
  // Checked first: `raw/claims/../../x.csv` starts with the prefix but names a place outside it.
  const unsafe = unsafeKeyReason(key);
  if (unsafe) return `unsafe key: ${unsafe}`;
  if (!key.startsWith(PREFIXES.inbox)) return 'outside the inbox prefix';
  if (name.startsWith('.')) return 'hidden file';
  if (TEMP_FILE.test(name)) return 'temporary file';
  if (!isClaimFileName(name)) return 'not a claim file extension';
  const documentation = nonClaimReason(name);
  if (documentation) return documentation;
  if (size === 0) return 'zero-byte file';
  if (size !== undefined && size > MAX_FILE_BYTES) return `larger than ${MAX_FILE_BYTES} bytes`;
  return null;
}

/**
 * What makes a delivery the same one again: on S3 the object version as the event names it
 * (bucket, key, version id or sequencer, ETag, size), so a redelivered event is a duplicate and the
 * object is never read (a streamed hash of a 50 GB file would not fit a function's time). Local
 * events carry none of these, and the local file is hashed: the same content is skipped wherever it lands.
 */
export async function deliveryKeyOf(
  record: S3Event['Records'][number],
  key: string,
  deps: HandlerDeps,
): Promise<string> {
  const { versionId, eTag, sequencer, size } = record.s3.object;
  if (versionId === undefined && eTag === undefined && sequencer === undefined) return deps.store.hash(key);
  const identity = [record.s3.bucket.name, key, versionId ?? `sequencer:${sequencer ?? ''}`, eTag ?? '', size ?? ''];
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex');
}

/** s3-event-trigger: filters created objects, skips content seen before, and starts one job per new file. */
export async function handleS3EventTrigger(raw: unknown, deps: HandlerDeps): Promise<TriggerResponse> {
  const event: S3Event = s3EventSchema.parse(raw);
  const started: string[] = [];
  for (const record of event.Records) {
    if (!record.eventName.replace(/^s3:/, '').startsWith('ObjectCreated')) continue;
    const key = decodeS3Key(record.s3.object.key);
    const rejection = rejectionOf(key, record.s3.object.size);
    const file = basename(key);
    if (rejection) {
      deps.logger.info('object ignored', { file, reason: rejection });
      continue;
    }
    const now = deps.clock.now();
    const sha256 = await deliveryKeyOf(record, key, deps);
    const jobId = deps.nextJobId(now);
    const claim = await deps.ledger.claimDelivery(sha256, key, jobId, now);
    if (claim.kind === 'duplicate') {
      await publishEvent(deps, {
        event_type: 'delivery_skipped',
        input_file: messageInputFile(deps, { key, input_file: file }),
        duplicate_of: claim.job_id,
        timestamp: messageTimestamp(now),
      });
      // The content is archived by the job that processed it, so the copy leaves the inbox,
      // unless it is the very file a job still in flight is reading.
      const original = await deps.ledger.job(claim.job_id);
      if (!(original?.status === 'STARTED' && original.input_key === key)) await deps.store.delete(key);
      continue;
    }
    await publishStatus(deps, jobId, 'STARTED', messageInputFile(deps, { key, input_file: file }));
    const task: FileTask = { job_id: jobId, key, sha256, input_file: file, months: [] };
    await deps.bus.publish(TOPICS.validate, task);
    started.push(jobId);
  }
  return {
    statusCode: 200,
    body: {
      message: `Successfully processed ${started.length} files`,
      jobs_started: started,
      timestamp: messageTimestamp(deps.clock.now()),
    },
  };
}
