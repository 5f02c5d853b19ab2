import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ZodError } from 'zod';
import { ConfigError } from '../domain/errors.ts';
import { type RunConfig, runConfigSchema } from '../pipeline/run-config.ts';

/** Reads and validates the config file (YAML or JSON); no file means every default. */
export async function loadConfig(path: string | undefined): Promise<RunConfig> {
  if (!path) return runConfigSchema.parse({});
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, 'cannot be read', { cause: error });
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(
      path,
      `is not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
      {
        cause: error,
      },
    );
  }
  try {
    const config = runConfigSchema.parse(raw ?? {});
    return config.refdata ? { ...config, refdata: resolve(dirname(path), config.refdata) } : config;
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const issues = error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new ConfigError(path, `is invalid: ${issues}`, { cause: error });
  }
}
