import { z } from 'zod';
import { ClaimflowError } from '../../domain/errors.ts';
import { unsafeKeyReason } from '../../domain/object-key.ts';
import { PREFIXES } from '../../domain/store-layout.ts';
import type { ValidationReport } from '../validation-report.ts';
import { processObject } from './etl.ts';
import type { HandlerDeps } from './handler-deps.ts';

/** The validation function's direct input, as the reference design's API prints it: `{"bucket": ..., "key": ...}`. */
export const validationRequestSchema = z.object({ bucket: z.string().min(1), key: z.string().min(1) });
export type ValidationRequest = z.infer<typeof validationRequestSchema>;

/** What a direct validation answers: DESIGN.md's "Validation output", no field more. */
export type ValidationOutput = Pick<ValidationReport, 'validation_status' | 'report_location' | 'summary'>;

/** A direct validation asked for an object the function does not validate; nothing was read. */
export class ValidationRequestError extends ClaimflowError {
  readonly code = 'validation_request';
  constructor(
    readonly bucket: string,
    readonly key: string,
    readonly reason: string,
  ) {
    super(`s3://${bucket}/${key}: ${reason}`);
  }
}

/**
 * The inbox key a request names, refused unless it is a safe key under raw/claims/ of the bucket the
 * store keeps that key in (the function reads only the stack's inbox).
 */
export function requestedKey(request: ValidationRequest, locate: (key: string) => string): string {
  const { bucket, key } = request;
  const unsafe = unsafeKeyReason(key);
  if (unsafe) throw new ValidationRequestError(bucket, key, `the key has ${unsafe}`);
  if (!key.startsWith(PREFIXES.inbox)) {
    throw new ValidationRequestError(bucket, key, `only claim files under ${PREFIXES.inbox} are validated`);
  }
  const located = locate(key);
  if (located !== `s3://${bucket}/${key}`) {
    throw new ValidationRequestError(bucket, key, `not this stack's input bucket (its inbox is ${located})`);
  }
  return key;
}

/**
 * Validates one object as `claimflow validate` does a file: every check and the report, nothing
 * published, archived, quarantined or counted in the metrics; no job in the ledger.
 */
export async function validateObject(key: string, deps: HandlerDeps): Promise<ValidationOutput> {
  const { report } = await processObject(key, deps.nextJobId(deps.clock.now()), deps, 'validate');
  return {
    validation_status: report.validation_status,
    report_location: report.report_location,
    summary: report.summary,
  };
}
