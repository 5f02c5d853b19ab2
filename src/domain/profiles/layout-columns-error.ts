import { ClaimflowError } from '../errors.ts';

/** A layout names source columns the file (or a companion file) does not have. */
export class LayoutColumnsError extends ClaimflowError {
  readonly code = 'layout_columns';
  constructor(
    readonly layout: string,
    readonly missing: readonly string[],
  ) {
    super(`the ${layout} layout needs ${missing.join(', ')}, which the file lacks`);
  }
}
