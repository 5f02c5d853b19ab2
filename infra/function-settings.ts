import { z } from 'zod';
import { environmentNameSchema } from './environment-name.ts';
import { FUNCTION_IDS } from './function-ids.ts';

/**
 * The ranges Lambda accepts for a function's memory (MB), timeout (seconds) and reserved
 * concurrency; shared by the CLI's overrides and the settings file. Kept apart from the CDK so
 * the CLI parses a settings file without loading it.
 */
export const functionMemoryMbSchema = z.coerce.number().int().min(128).max(10_240);
export const functionTimeoutSecondsSchema = z.coerce.number().int().min(1).max(900);
export const reservedConcurrencySchema = z.coerce.number().int().min(1).max(1000);

export const functionIdSchema = z.enum(FUNCTION_IDS);

const functionSettingsSchema = z
  .object({
    memory_mb: functionMemoryMbSchema.optional(),
    timeout_s: functionTimeoutSecondsSchema.optional(),
    reserved_concurrency: reservedConcurrencySchema.optional(),
  })
  .strict();

/**
 * `claimflow infra ... --settings-file FILE` (YAML or JSON): per environment, per function, what
 * replaces the environment's memory, timeout and reserved concurrency. Every key is optional: what
 * the file leaves out keeps the environment's value (infra/environments.ts).
 */
export const settingsFileSchema = z
  .object({
    environments: z.partialRecord(
      environmentNameSchema,
      z.object({ functions: z.partialRecord(functionIdSchema, functionSettingsSchema) }).strict(),
    ),
  })
  .strict();
export type SettingsFile = z.infer<typeof settingsFileSchema>;
