import { z } from 'zod';

/** The environment, read once, here. */
const envSchema = z.object({
  /** Test hook: object-store operations that fail with a transient error (comma-separated). */
  CLAIMFLOW_FAULTS: z.string().default(''),
  /** Bearer token of `claimflow dashboard` (checked there, so a bad value fails only that command). */
  CLAIMFLOW_DASHBOARD_TOKEN: z.string().optional(),
  /** Master key of encryption at rest (64 hex digits or base64 of 32 bytes); parsed where it is used. */
  CLAIMFLOW_MASTER_KEY: z.string().optional(),
  /** HMAC key of the pseudonymized mart, in the same forms. */
  CLAIMFLOW_PSEUDONYM_KEY: z.string().optional(),
});

export const env = envSchema.parse(process.env);
export const injectedFaults = new Set(env.CLAIMFLOW_FAULTS.split(',').filter(Boolean));

/** A config value written `env:NAME` is the value of variable NAME (undefined when unset); others are literal. */
export function resolveEnvReference(value: string): string | undefined {
  const name = /^env:(.+)$/.exec(value)?.[1];
  return name === undefined ? value : process.env[name] || undefined;
}
