import { z } from 'zod';

/** The environment, read once, here. */
const envSchema = z.object({
  /** Test hook: object-store operations that fail with a transient error (comma-separated). */
  CLAIMFLOW_FAULTS: z.string().default(''),
});

export const env = envSchema.parse(process.env);
export const injectedFaults = new Set(env.CLAIMFLOW_FAULTS.split(',').filter(Boolean));
