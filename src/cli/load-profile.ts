import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ZodError } from 'zod';
import { ConfigError, UsageError } from '../domain/errors.ts';
import { BUILTIN_PROFILES, findBuiltinProfile } from '../domain/profiles/builtin-profiles.ts';
import { profileFileSchema, toSourceProfile } from '../domain/profiles/profile-schema.ts';
import type { SourceProfile } from '../domain/profiles/source-profile.ts';

/** `--profile`: a built-in profile's name, or a YAML/JSON profile file checked against the schema. */
export async function loadProfile(nameOrPath: string): Promise<SourceProfile> {
  const builtin = findBuiltinProfile(nameOrPath);
  if (builtin) return builtin;
  if (!existsSync(nameOrPath)) {
    const names = BUILTIN_PROFILES.map((p) => p.name).join(', ');
    throw new UsageError(`--profile ${nameOrPath}: neither a built-in profile (${names}) nor a profile file`);
  }
  const json = /\.json$/i.test(nameOrPath);
  let raw: unknown;
  try {
    const text = await readFile(nameOrPath, 'utf8');
    raw = json ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const problem = (error as Error).message.split('\n')[0];
    throw new ConfigError(nameOrPath, `is not a readable ${json ? 'JSON' : 'YAML'} profile: ${problem}`, {
      cause: error,
    });
  }
  try {
    return toSourceProfile(profileFileSchema.parse(raw));
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const issues = error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ');
    throw new ConfigError(nameOrPath, `is not a valid profile: ${issues}`, { cause: error });
  }
}
