/**
 * What one job would cost on AWS, from list prices (us-east-1, on demand, x86 Lambda). The
 * formula and its assumptions are in docs/monitoring.md; change a price here and the doc's table.
 */
export const LAMBDA_USD_PER_GB_SECOND = 0.0000166667;
export const LAMBDA_USD_PER_REQUEST = 0.2 / 1_000_000;
export const GLUE_USD_PER_DPU_HOUR = 0.44;
export const S3_USD_PER_PUT = 0.005 / 1000;
export const S3_USD_PER_GET = 0.0004 / 1000;

/** Memory of the handler functions in the CDK app. */
export const LAMBDA_MEMORY_GB = 0.5;
/** trigger, data-validation, etl, then post-processing (or error-handler): one invocation each. */
export const LAMBDA_INVOCATIONS_PER_JOB = 4;
/** Inputs larger than this go to Glue (the default of the etl entry's DUCKDB_MAX_BYTES). */
export const LAMBDA_MAX_INPUT_BYTES = 256 * 1024 ** 2;
/** DPUs of a Glue run (10 G.1X workers). */
export const GLUE_DPUS = 10;
/** Glue 2.0 and later bill per second with a one-minute minimum. */
export const GLUE_MIN_BILLED_SECONDS = 60;

export interface JobCostInputs {
  /** Size of the input file; unknown sizes are taken as small (Lambda). */
  readonly inputBytes: number | null;
  /** How long the job took here; the estimate takes the same time on AWS. */
  readonly durationMs: number;
  readonly s3Puts: number;
  readonly s3Gets: number;
}

export interface JobCostEstimate {
  readonly engine: 'lambda' | 'glue';
  readonly lambda_gb_seconds: number;
  readonly lambda_requests: number;
  readonly glue_dpu_hours: number;
  readonly s3_puts: number;
  readonly s3_gets: number;
  readonly usd: number;
}

/**
 * usd = GB-seconds x LAMBDA_USD_PER_GB_SECOND + invocations x LAMBDA_USD_PER_REQUEST
 *     + DPU-hours x GLUE_USD_PER_DPU_HOUR + PUTs x S3_USD_PER_PUT + GETs x S3_USD_PER_GET,
 * where a small file's whole duration is Lambda time and a large file's is Glue time instead.
 */
export function estimateJobCost(inputs: JobCostInputs): JobCostEstimate {
  const seconds = Math.max(0, inputs.durationMs) / 1000;
  const engine = (inputs.inputBytes ?? 0) > LAMBDA_MAX_INPUT_BYTES ? 'glue' : 'lambda';
  const lambdaGbSeconds = engine === 'lambda' ? LAMBDA_MEMORY_GB * seconds : 0;
  const glueDpuHours = engine === 'glue' ? (GLUE_DPUS * Math.max(GLUE_MIN_BILLED_SECONDS, seconds)) / 3600 : 0;
  const usd =
    lambdaGbSeconds * LAMBDA_USD_PER_GB_SECOND +
    LAMBDA_INVOCATIONS_PER_JOB * LAMBDA_USD_PER_REQUEST +
    glueDpuHours * GLUE_USD_PER_DPU_HOUR +
    inputs.s3Puts * S3_USD_PER_PUT +
    inputs.s3Gets * S3_USD_PER_GET;
  return {
    engine,
    lambda_gb_seconds: lambdaGbSeconds,
    lambda_requests: LAMBDA_INVOCATIONS_PER_JOB,
    glue_dpu_hours: glueDpuHours,
    s3_puts: inputs.s3Puts,
    s3_gets: inputs.s3Gets,
    usd,
  };
}

/** Aggregations rewritten per month a job touches (monthly_by_payer_claim_type, monthly_by_rendering_provider). */
const AGGREGATION_WRITES_PER_MONTH = 2;
/** The head read by data-validation, the whole file read by etl, the report read by post-processing. */
const FIXED_GETS = 3;

/**
 * S3 requests of a job from the outputs its report lists: one PUT per object written (claim
 * partitions, quarantine, archive, the JSON and HTML report, the aggregations of each touched
 * month), and GETs for reading the input and, per partition, the aggregations re-reading it.
 */
export function countS3Requests(outputs: {
  readonly processed: readonly string[];
  readonly quarantine_rows: string | null;
  readonly quarantine_file: string | null;
  readonly archive: string | null;
}): { puts: number; gets: number } {
  const months = new Set(outputs.processed.map((key) => /year=\d+\/month=\d+/.exec(key)?.[0] ?? key));
  const singles = [outputs.quarantine_rows, outputs.quarantine_file, outputs.archive].filter((k) => k !== null);
  return {
    puts: outputs.processed.length + singles.length + 2 + months.size * AGGREGATION_WRITES_PER_MONTH,
    gets: FIXED_GETS + outputs.processed.length,
  };
}
