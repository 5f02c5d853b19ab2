import { describeRootLockHolder, type RootLockHolder } from './root-lock.ts';

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

/**
 * Another claimflow command is writing the root (its lock file is held): a second writer is
 * refused, after waiting `waitedSeconds` when asked to wait. Retrying later can succeed.
 */
export class RootLockedError extends ClaimflowError {
  readonly code = 'root_locked';
  constructor(
    readonly root: string,
    readonly lockFile: string,
    readonly holder: RootLockHolder | null,
    readonly waitedSeconds: number,
  ) {
    super(
      `root ${root} is in use by ${describeRootLockHolder(holder)}` +
        (waitedSeconds > 0 ? `, still after waiting ${waitedSeconds}s` : '') +
        '; only one command writes a root at a time. Run again when it has finished, or pass --wait-lock <seconds> to wait for it' +
        ` (if no claimflow command is running on that root, remove ${lockFile})`,
    );
  }
}

/** Why a root cannot be written, by the error code the file system gave. */
const NOT_WRITABLE: Readonly<Record<string, string>> = {
  EACCES: 'is not writable by this user (permission denied): give a --root you can write to, or change its permissions',
  EPERM:
    'is not writable by this user (operation not permitted): give a --root you can write to, or change its permissions',
  EROFS: 'is on a read-only file system: give a --root on a writable file system',
  ENOTDIR:
    'is not a folder (a file stands on its path): give a --root that is a folder, or a path that does not exist yet',
  EEXIST:
    'is not a folder (a file of that name exists): give a --root that is a folder, or a path that does not exist yet',
};

/** The file-system codes that mean the root itself cannot be written, whatever the command does next. */
export const ROOT_NOT_WRITABLE_CODES: ReadonlySet<string> = new Set(Object.keys(NOT_WRITABLE));

/**
 * The root (or the folder it is to be made in) cannot be written: read-only, another user's, on a
 * read-only file system, or not a folder. The root's path is the user's own, not claim data, so
 * it is named in full.
 */
export class RootNotWritableError extends ClaimflowError {
  readonly code = 'root_not_writable';
  constructor(
    readonly root: string,
    readonly errno: string,
    options?: { cause?: unknown },
  ) {
    super(`root ${root} ${NOT_WRITABLE[errno] ?? `cannot be written (${errno})`}`, options);
  }
}
