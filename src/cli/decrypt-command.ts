import { existsSync } from 'node:fs';
import { basename, resolve, sep } from 'node:path';
import { z } from 'zod';
import { openAuditTrail } from '../adapters/audit/audit-trail.ts';
import { DecryptError, decryptFile } from '../adapters/crypto/envelope-file.ts';
import { SEALED_PREFIXES, SEALED_SUFFIX } from '../adapters/crypto/sealed-object-store.ts';
import { UsageError } from '../domain/errors.ts';
import { folderOf } from '../domain/store-layout.ts';
import { loadConfig } from './load-config.ts';
import { loadKeys } from './load-keys.ts';
import { EXIT } from './run-command.ts';

/** Flags of `claimflow decrypt`. */
export const decryptFlagsSchema = z.object({
  out: z.string().min(1).optional(),
  /** Whose audit log records the decrypt; default: the root the file lies in. */
  root: z.string().min(1).optional(),
  config: z.string().min(1).optional(),
  masterKeyFile: z.string().min(1).optional(),
});
export type DecryptFlags = z.infer<typeof decryptFlagsSchema>;

const DEFAULT_ROOT = './claimflow-data';

/**
 * `claimflow decrypt FILE`: one encrypted file (`quarantine/`, `archive/`) decrypted for an
 * authorised review into --out (default: its name without `.enc`, in the current folder; an
 * existing file is never replaced), and recorded in the root's audit log. Exit 2 when the key
 * does not open the file or the file was altered.
 */
export async function decryptCommand(file: string, flags: DecryptFlags): Promise<number> {
  const source = resolve(file);
  if (!existsSync(source)) throw new UsageError(`${file}: no such file`);
  const config = await loadConfig(flags.config);
  const { masterKey } = await loadKeys(flags, config.security, flags.config);
  if (!masterKey)
    throw new UsageError('no master key: give --master-key-file, CLAIMFLOW_MASTER_KEY or security.master_key_file');
  const out = resolve(flags.out ?? basename(source, SEALED_SUFFIX));
  if (existsSync(out)) throw new UsageError(`${out} exists: choose another --out`);
  try {
    await decryptFile(source, out, masterKey);
  } catch (error) {
    if (!(error instanceof DecryptError)) throw error;
    process.stderr.write(`claimflow: ${error.message}\n`);
    return EXIT.fileFailed;
  }
  await openAuditTrail(rootOf(source, flags.root), 'decrypt').record('decrypt', source);
  process.stdout.write(`decrypted ${file} to ${out}\n`);
  return EXIT.ok;
}

/** --root, else the folder above the file's `quarantine/` or `archive/`, else the default root. */
function rootOf(source: string, root: string | undefined): string {
  if (root) return resolve(root);
  const folders = new Set(SEALED_PREFIXES.map(folderOf));
  const parts = source.split(sep);
  const at = parts.findLastIndex((part, i) => i < parts.length - 1 && folders.has(part));
  return at > 0 ? parts.slice(0, at).join(sep) || sep : resolve(DEFAULT_ROOT);
}
