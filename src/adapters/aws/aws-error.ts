import { TransientError } from '../../domain/errors.ts';

/**
 * Error names AWS services use for throttling, contention and server trouble: the SDK's own retry
 * list plus names of SNS, SQS, DynamoDB and the Redshift Data API.
 */
const TRANSIENT_NAMES = new Set([
  'ActiveSessionsExceededException',
  'ActiveStatementsExceededException',
  'ActiveWaitingRequestsExceededException',
  'BandwidthLimitExceeded',
  'InternalError',
  'InternalErrorException',
  'InternalServerError',
  'InternalServerException',
  'KMSThrottlingException',
  'KmsThrottled',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ReplicatedWriteConflictException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TimeoutError',
  'TooManyRequestsException',
  'TransactionConflictException',
  'TransactionInProgressException',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

interface AwsErrorShape {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/** True when the same call may succeed later: throttling, a server fault, a timeout, a dropped connection. */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsErrorShape;
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    e.$fault === 'server' ||
    status === 429 ||
    status >= 500 ||
    TRANSIENT_NAMES.has(e.name ?? '') ||
    NETWORK_CODES.has(e.code ?? '')
  );
}

/**
 * Makes an AWS call; a failure worth retrying is rethrown as a `TransientError` (so the runtime
 * retries it), any other as the SDK threw it. The transient message names the operation and the
 * error's name only: service messages can echo request parameters.
 */
export async function callAws<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isTransientAwsError(error)) throw error;
    throw new TransientError(`${operation}: ${(error as AwsErrorShape).name ?? 'Error'}`, { cause: error });
  }
}
