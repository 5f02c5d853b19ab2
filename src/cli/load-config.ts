import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ZodError, type z } from 'zod';
import { ConfigError } from '../domain/errors.ts';
import { type RunConfig, runConfigSchema } from '../pipeline/run-config.ts';

/** Reads and validates the config file (YAML or JSON); no file means every default. */
export async function loadConfig(path: string | undefined): Promise<RunConfig> {
  if (!path) return runConfigSchema.parse({});
  const config = await loadSettingsFile(path, runConfigSchema);
  return config.refdata ? { ...config, refdata: resolve(dirname(path), config.refdata) } : config;
}

/** Reads a YAML or JSON file (by its extension) and validates it with `schema`; any problem is a ConfigError naming the file. */
export async function loadSettingsFile<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, 'cannot be read', { cause: error });
  }
  const json = /\.json$/i.test(path);
  let raw: unknown;
  try {
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(path, `is not valid ${json ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`, {
      cause: error,
    });
  }
  try {
    return schema.parse(raw ?? {});
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const issues = error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new ConfigError(path, `is invalid: ${issues}`, { cause: error });
  }
}
