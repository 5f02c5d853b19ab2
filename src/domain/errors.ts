/** Base of every error claimflow raises on purpose; `code` is stable and machine-readable. */
export abstract class ClaimflowError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The user asked for something that cannot be done as asked (bad flag, missing input). */
export class UsageError extends ClaimflowError {
  readonly code = 'usage';
}

/** A claim file was rejected whole by a file rule (halt); its rows were not published. */
export class ClaimFileError extends ClaimflowError {
  readonly code: string;
  constructor(
    readonly file: string,
    readonly ruleId: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${ruleId}: ${reason}`, options);
    this.code = ruleId;
  }
}

/** The config file is missing, unreadable or does not match the schema. */
export class ConfigError extends ClaimflowError {
  readonly code = 'config';
  constructor(
    readonly file: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`config ${file} ${problem}`, options);
  }
}

/** A failure worth retrying: the same call may succeed later (I/O hiccup, throttling, lock). */
export class TransientError extends ClaimflowError {
  readonly code = 'transient';
}

export type ErrorClass = 'transient' | 'data_quality' | 'system';

const TRANSIENT_ERRNO = new Set([
  'EBUSY',
  'EAGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EMFILE',
  'ENFILE',
  'EPIPE',
]);

/** Errors are classified once, here: retried, quarantined, or alerted on. */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof ClaimFileError) return 'data_quality';
  if (error instanceof TransientError) return 'transient';
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code && TRANSIENT_ERRNO.has(code) ? 'transient' : 'system';
}

/** An alert channel did not take an alert; `retryable` is false when sending it again cannot help (HTTP 4xx). */
export class AlertDeliveryError extends ClaimflowError {
  readonly code = 'alert_delivery';
  constructor(
    readonly channel: string,
    readonly problem: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(`alert channel ${channel}: ${problem}`, options);
  }
}
