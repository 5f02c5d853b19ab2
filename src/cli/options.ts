import { z } from 'zod';
import type { MonthSpread } from '../domain/synthetic-claims.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD');

/** Flags of `run` and `validate`, parsed once at the edge. Pipeline defaults live in the config schema. */
export const runFlagsSchema = z.object({
  root: z.string().min(1).default('./claimflow-data'),
  json: z.boolean().default(false),
  config: z.string().min(1).optional(),
  refdata: z.string().min(1).optional(),
  source: z.string().min(1).optional(),
  dataSource: z.string().min(1).optional(),
  errorThreshold: z.coerce.number().min(0).max(1).optional(),
  runDate: isoDate.optional(),
  /** A built-in source profile's name or a profile file; default: detected per file. */
  profile: z.string().min(1).optional(),
  memoryLimit: z.string().default('1200MB'),
  threads: z.coerce.number().int().positive().optional(),
  verbose: z.boolean().default(false),
  /** Seconds to wait for another command writing the root to finish; 0 refuses at once. */
  waitLock: z.coerce.number().min(0).max(86_400).default(0),
  /** Key files of encryption at rest and pseudonymization (see src/cli/load-keys.ts for precedence). */
  masterKeyFile: z.string().min(1).optional(),
  pseudonymKeyFile: z.string().min(1).optional(),
  /** `run` and `validate`: the engine that runs the plan (docs/spark-plan.md for Spark). */
  engine: z.enum(['duckdb', 'spark']).default('duckdb'),
  /** `--engine spark`: the Spark master URL (default local[*]) and session settings, `key=value`. */
  sparkMaster: z.string().min(1).optional(),
  sparkConf: z.array(z.string().regex(/^[^=\s]+=/, 'use key=value')).default([]),
  /** Quality gates (docs/cli.md, exit codes): `warn` fails the step on quarantined rows or warnings too. */
  failOn: z.enum(['fail', 'warn']).default('fail'),
  maxQuarantineRate: z.coerce.number().min(0).max(1).optional(),
  minScore: z.coerce.number().min(0).max(100).optional(),
  /** `run` and `validate`: seconds between progress lines when stderr is not a terminal. */
  progressEvery: z.coerce.number().min(0.1).max(3600).default(10),
});
export type RunFlags = z.infer<typeof runFlagsSchema>;

export const generateFlagsSchema = z.object({
  rows: z.coerce.number().int().positive(),
  out: z.string().min(1),
  seed: z.coerce.number().int().default(42),
  defectRate: z.coerce.number().min(0).max(1).default(0.02),
  format: z.enum(['csv', 'ndjson', 'json']).default('csv'),
  /** Default: three months ago, so claims are timely and even late payment dates are not in the future. */
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/, 'use YYYY-MM')
    .default(() => {
      const now = new Date();
      return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 3, 1)).toISOString().slice(0, 7);
    }),
  /** Service months ending with `month`: `one-month`, `lag` (claims lag over 18 months) or `N-months` (even, N <= 600). */
  spread: z
    .string()
    .regex(/^(one-month|lag|([1-9]\d{0,2})-months)$/, 'use one-month, lag or N-months (for example 60-months)')
    .default('one-month')
    .transform((s): MonthSpread => {
      if (s === 'one-month' || s === 'lag') return { kind: s };
      return { kind: 'even', months: Math.min(600, Number.parseInt(s, 10)) };
    }),
});
export type GenerateFlags = z.infer<typeof generateFlagsSchema>;

export const queryFlagsSchema = z.object({
  root: z.string().min(1).default('./claimflow-data'),
  format: z.enum(['table', 'json', 'csv']).default('table'),
  /** Table rows shown (the first and last half); 0 shows all. */
  maxRows: z.coerce.number().int().nonnegative().default(40),
  /** Table width in characters; 0 is unlimited. Default: the terminal's width, unlimited when piped. */
  maxWidth: z.coerce.number().int().nonnegative().optional(),
});
export type QueryFlags = z.infer<typeof queryFlagsSchema>;

/** Flags of `watch` and `dlq`: the runtime's concurrency and retry policy. */
export const runtimeFlagsSchema = z.object({
  concurrency: z.coerce.number().int().positive().default(2),
  maxAttempts: z.coerce.number().int().positive().default(3),
  retryBaseMs: z.coerce.number().int().nonnegative().default(500),
  pollMs: z.coerce.number().int().positive().default(500),
  settleMs: z.coerce.number().int().nonnegative().default(1000),
  once: z.boolean().default(false),
});
export type RuntimeFlags = z.infer<typeof runtimeFlagsSchema>;

export const eventsFlagsSchema = z.object({
  root: z.string().min(1).default('./claimflow-data'),
  follow: z.boolean().default(false),
  job: z.string().optional(),
});
export type EventsFlags = z.infer<typeof eventsFlagsSchema>;
