import { DecryptCommand, type KMSClient } from '@aws-sdk/client-kms';
import { KeyError } from '../crypto/master-key.ts';

const KEY_BYTES = 32;

/**
 * The 256-bit key sealed in a KMS ciphertext blob (what `aws kms generate-data-key
 * --key-spec AES_256` returns as CiphertextBlob): KMS decrypts it, so the key file on disk is
 * useless without the KMS key's Decrypt permission. Errors name the file, never the blob.
 */
export async function decryptKeyBlob(client: KMSClient, blob: Uint8Array, source: string): Promise<Buffer> {
  let plaintext: Uint8Array | undefined;
  try {
    ({ Plaintext: plaintext } = await client.send(new DecryptCommand({ CiphertextBlob: blob })));
  } catch (error) {
    const name = error instanceof Error ? error.name : 'error';
    throw Object.assign(new KeyError(source, `KMS could not decrypt it (${name})`), { cause: error });
  }
  if (plaintext?.length !== KEY_BYTES) throw new KeyError(source, `KMS returned no ${KEY_BYTES}-byte key`);
  return Buffer.from(plaintext);
}
