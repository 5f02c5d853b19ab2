/** The job's worker type (infra/constructs/glue-job.ts): 4 vCPU, 16 GB. */
export const GLUE_WORKER_TYPE = 'G.1X' as const;
/** Glue's smallest G.1X job: one driver and one executor. */
export const GLUE_MIN_WORKERS = 2;
/**
 * Input per G.1X worker: four 128 MiB splits, one per vCPU, so the read is one wave of tasks.
 * A gzip file is one split whatever its size, but the shuffles after the read spread over the
 * workers, so its compressed size (about a fifth of the text) still sizes them.
 */
export const GLUE_BYTES_PER_WORKER = 512 * 1024 * 1024;

/**
 * The workers a Glue run of a file of `bytes` asks for: one per GLUE_BYTES_PER_WORKER, at least
 * Glue's minimum and at most the environment's ceiling. With auto-scaling on this is the run's
 * maximum, and Glue releases workers a stage does not need.
 */
export function chooseGlueWorkers(bytes: number, maxWorkers: number): number {
  const wanted = Math.ceil(bytes / GLUE_BYTES_PER_WORKER);
  return Math.max(GLUE_MIN_WORKERS, Math.min(maxWorkers, wanted));
}
