import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { KMSClient } from '@aws-sdk/client-kms';
import { decryptKeyBlob } from '../adapters/aws/kms-keys.ts';
import { KeyError, parseKey, readKeyFile } from '../adapters/crypto/master-key.ts';
import { UsageError } from '../domain/errors.ts';
import type { RunConfig } from '../pipeline/run-config.ts';
import { env } from './env.ts';

export interface Keys {
  /** Encrypts quarantine, archive and dead letters at rest; null: they are written in plaintext. */
  readonly masterKey: Buffer | null;
  /** Keys the HMAC tokens of the pseudonymized mart; null: no such mart. */
  readonly pseudonymKey: Buffer | null;
}

export interface KeyFlags {
  readonly masterKeyFile?: string;
  readonly pseudonymKeyFile?: string;
}

/** A key file named `*.kms` holds a KMS ciphertext blob; KMS decrypts it (docs/security.md). */
const KMS_BLOB = /\.kms$/;

/**
 * Each key from the first of: its flag's key file, its environment variable, the config's key
 * file (relative to the config file). A key that cannot be read or parsed stops the command.
 */
export async function loadKeys(
  flags: KeyFlags,
  security: RunConfig['security'],
  configFile: string | undefined,
  kms: () => KMSClient = () => new KMSClient({}),
): Promise<Keys> {
  const configured = (file: string | undefined): string | undefined =>
    file && resolve(configFile ? dirname(configFile) : '.', file);
  try {
    const masterKey = await loadKey(
      flags.masterKeyFile,
      'CLAIMFLOW_MASTER_KEY',
      configured(security.master_key_file),
      kms,
    );
    const pseudonymKey = await loadKey(
      flags.pseudonymKeyFile,
      'CLAIMFLOW_PSEUDONYM_KEY',
      configured(security.pseudonym_key_file),
      kms,
    );
    // One key for both would let whoever may decrypt also reverse tokens by trial, and the reverse.
    if (masterKey && pseudonymKey?.equals(masterKey))
      throw new KeyError('pseudonym', 'must differ from the master key');
    return { masterKey, pseudonymKey };
  } catch (error) {
    if (error instanceof KeyError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

async function loadKey(
  flagFile: string | undefined,
  variable: 'CLAIMFLOW_MASTER_KEY' | 'CLAIMFLOW_PSEUDONYM_KEY',
  configFile: string | undefined,
  kms: () => KMSClient,
): Promise<Buffer | null> {
  const fromFile = async (file: string): Promise<Buffer> => {
    if (!KMS_BLOB.test(file)) return readKeyFile(file);
    const blob = await readFile(file).catch((error: unknown) => {
      throw Object.assign(new KeyError(file, 'cannot be read'), { cause: error });
    });
    return decryptKeyBlob(kms(), blob, file);
  };
  if (flagFile) return fromFile(flagFile);
  // An empty variable counts as unset, as shells make it easy to export one.
  const value = env[variable];
  if (value) return parseKey(value, variable);
  return configFile ? fromFile(configFile) : null;
}
