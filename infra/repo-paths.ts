import { fileURLToPath } from 'node:url';

/** The repository the app is synthesized from; bundles and assets are found relative to it. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The Lambda entry files (`<name>.ts`, each exporting `handler`). */
export const LAMBDA_ENTRY_DIR = fileURLToPath(new URL('../src/adapters/aws/lambda', import.meta.url));
/** The generic PySpark runner Glue executes. */
export const GLUE_SCRIPT = fileURLToPath(new URL('../glue/run_plan.py', import.meta.url));
