import { z } from 'zod';
import { ClaimflowError } from '../../domain/errors.ts';
import { PREFIXES } from '../../domain/store-layout.ts';

const required = z.string().min(1);

/** The Lambda functions' environment (set by the CDK app); the only reader of process.env on AWS. */
const lambdaEnvSchema = z
  .object({
    ENVIRONMENT: z.enum(['dev', 'staging', 'prod']),
    /** The processing topic: every pipeline message, told apart by its `topic` attribute. */
    SNS_TOPIC_ARN: required,
    ERROR_TOPIC_ARN: required,
    GLUE_JOB_NAME: required,
    /** The most workers a Glue run may ask for; each run asks for workers by its file's size. */
    GLUE_MAX_WORKERS: z.coerce.number().int().min(2).default(10),
    INPUT_BUCKET: required,
    OUTPUT_BUCKET: required,
    LEDGER_TABLE: required,
    /** The manual-review queue. */
    DEAD_LETTER_QUEUE_URL: required,
    /** Input objects larger than this go to Glue instead of DuckDB in the function. */
    DUCKDB_MAX_BYTES: z.coerce.number().int().positive().default(268_435_456),
    /** Reference lists, laid out like ../shared/refdata, under this prefix of the output bucket. */
    REFDATA_PREFIX: z.string().default(PREFIXES.refdata),
    REDSHIFT_WORKGROUP: required.optional(),
    REDSHIFT_DATABASE: required.optional(),
    REDSHIFT_LOAD_ROLE_ARN: required.optional(),
    /**
     * Local root in the function: under /tmp, the only writable folder on Lambda. The emulator
     * (`claimflow infra emulate`) gives each invocation its own, as a fresh container has.
     */
    CLAIMFLOW_TMP_DIR: z.string().min(1).default('/tmp/claimflow'),
    /** Set by the Lambda runtime; sizes DuckDB's memory limit. */
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: z.coerce.number().int().positive().default(512),
  })
  .refine(
    (env) =>
      [env.REDSHIFT_WORKGROUP, env.REDSHIFT_DATABASE, env.REDSHIFT_LOAD_ROLE_ARN].filter(Boolean).length % 3 === 0,
    { message: 'set all three REDSHIFT_ variables or none', path: ['REDSHIFT_WORKGROUP'] },
  );

export type LambdaEnv = z.infer<typeof lambdaEnvSchema>;

/** The environment lacks a variable or holds a bad value: a deployment mistake, not worth retrying. */
export class LambdaEnvError extends ClaimflowError {
  readonly code = 'lambda_env';
  constructor(readonly variables: readonly string[]) {
    super(`Lambda environment: missing or invalid ${variables.join(', ')}`);
  }
}

export function parseLambdaEnv(source: Record<string, string | undefined>): LambdaEnv {
  const parsed = lambdaEnvSchema.safeParse(source);
  if (!parsed.success) throw new LambdaEnvError([...new Set(parsed.error.issues.map((i) => String(i.path[0])))]);
  return parsed.data;
}

let cached: LambdaEnv | undefined;

/** The function's environment, parsed once per container. */
export function readLambdaEnv(): LambdaEnv {
  cached ??= parseLambdaEnv(process.env);
  return cached;
}
