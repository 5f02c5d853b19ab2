import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ZodError } from 'zod';
import { ConfigError, UsageError } from '../domain/errors.ts';
import { BUILTIN_PROFILES, findBuiltinProfile } from '../domain/profiles/builtin-profiles.ts';
import { profileFileSchema, toSourceProfile } from '../domain/profiles/profile-schema.ts';
import type { SourceProfile } from '../domain/profiles/source-profile.ts';
import type { RunConfig } from '../pipeline/run-config.ts';

const BUILTIN_NAMES = BUILTIN_PROFILES.map((p) => p.name).join(', ');

/** `--profile`: a built-in profile's name, or a YAML/JSON profile file checked against the schema. */
export async function loadProfile(nameOrPath: string): Promise<SourceProfile> {
  const builtin = findBuiltinProfile(nameOrPath);
  if (builtin) return builtin;
  if (!existsSync(nameOrPath)) {
    throw new UsageError(`--profile ${nameOrPath}: neither a built-in profile (${BUILTIN_NAMES}) nor a profile file`);
  }
  return readProfileFile(nameOrPath);
}

/**
 * The profile of each config source that names one (`sources.<name>.profile`): a built-in's name,
 * or a profile file relative to the config file. Any problem is a ConfigError naming the config
 * file and the source, raised before any input is read.
 */
export async function loadSourceProfiles(
  config: RunConfig,
  configFile: string | undefined,
): Promise<Record<string, SourceProfile>> {
  const loaded = await Promise.all(
    Object.entries(config.sources).map(async ([name, { profile }]) =>
      profile ? ([[name, await loadSourceProfile(name, profile, configFile)]] as const) : [],
    ),
  );
  return Object.fromEntries(loaded.flat());
}

async function loadSourceProfile(
  source: string,
  nameOrPath: string,
  configFile: string | undefined,
): Promise<SourceProfile> {
  const builtin = findBuiltinProfile(nameOrPath);
  if (builtin) return builtin;
  const where = configFile ?? '(no config file)';
  const path = resolve(configFile ? dirname(configFile) : '.', nameOrPath);
  if (!existsSync(path)) {
    throw new ConfigError(
      where,
      `sources.${source}.profile: ${nameOrPath} is neither a built-in profile (${BUILTIN_NAMES}) nor a profile file`,
    );
  }
  try {
    return await readProfileFile(path);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new ConfigError(where, `sources.${source}.profile: ${error.file} ${error.problem}`, { cause: error });
  }
}

/** A YAML or JSON profile file (by its extension), checked against the schema; any problem is a ConfigError naming it. */
async function readProfileFile(path: string): Promise<SourceProfile> {
  const json = /\.json$/i.test(path);
  let raw: unknown;
  try {
    const text = await readFile(path, 'utf8');
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const problem = (error as Error).message.split('\n')[0];
    throw new ConfigError(path, `is not a readable ${json ? 'JSON' : 'YAML'} profile: ${problem}`, { cause: error });
  }
  try {
    return toSourceProfile(profileFileSchema.parse(raw));
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const issues = error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new ConfigError(path, `is not a valid profile: ${issues}`, { cause: error });
  }
}
