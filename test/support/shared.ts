import { fileURLToPath } from 'node:url';

/**
 * `../shared` beside the checkout (reference data and samples, read in place);
 * CLAIMFLOW_SHARED_DIR points elsewhere when the checkout lives apart from it.
 */
export const SHARED_DIR =
  process.env.CLAIMFLOW_SHARED_DIR ?? fileURLToPath(new URL('../../../shared/', import.meta.url));
