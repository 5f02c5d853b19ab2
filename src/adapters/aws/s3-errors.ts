import { ClaimflowError, TransientError } from '../../domain/errors.ts';
import { isTransientAwsError } from './aws-error.ts';

/** The object is not in the bucket (deleted, or a wrong key): retrying will not make it appear. */
export class ObjectNotFoundError extends ClaimflowError {
  readonly code = 'object_not_found';
  constructor(
    readonly bucket: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`s3://${bucket}/${key}: no such object`, options);
  }
}

export { UnsafeObjectKeyError } from '../../domain/object-key.ts';

/**
 * Classifies a failed S3 call once, so the runtime's retries and dead letters work: throttling,
 * 5xx and network failures (also mid-stream) become TransientError; a missing object names its key.
 */
export function translateS3Error(error: unknown, bucket: string, key: string): unknown {
  if (error instanceof ClaimflowError) return error;
  const name = (error as { name?: string } | undefined)?.name;
  // GetObject answers a missing key with NoSuchKey, HeadObject with a bare 404 named NotFound.
  if (name === 'NoSuchKey' || name === 'NotFound') return new ObjectNotFoundError(bucket, key, { cause: error });
  if (isTransientAwsError(error)) {
    return new TransientError(`s3://${bucket}/${key}: ${name ?? 'error'}, worth retrying`, { cause: error });
  }
  return error;
}
