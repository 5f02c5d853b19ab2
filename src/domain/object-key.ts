import { ClaimflowError } from './errors.ts';

/**
 * Why an object key could name a place outside the root it is resolved under (a `..` segment,
 * an absolute path, a NUL byte), or null when it cannot. Keys come from events and file names,
 * so they are untrusted.
 */
export function unsafeKeyReason(key: string): string | null {
  if (key.includes('\0')) return 'a NUL byte';
  if (key.startsWith('/')) return 'an absolute path';
  if (key.split('/').includes('..')) return "a '..' path segment";
  return null;
}

/** A key refused because it could lead out of the store's root or scratch folder. */
export class UnsafeObjectKeyError extends ClaimflowError {
  readonly code = 'unsafe_object_key';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`object key ${JSON.stringify(key)} has ${reason}`);
  }
}

/** The key, when it is safe to resolve under a root; throws UnsafeObjectKeyError otherwise. */
export function checkObjectKey(key: string): string {
  const reason = unsafeKeyReason(key);
  if (reason) throw new UnsafeObjectKeyError(key, reason);
  return key;
}
