import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ClaimflowError } from '../../domain/errors.ts';
import { callAws } from './aws-error.ts';

/** Secrets Manager refused the read (no such secret, access denied, no text value): a deployment mistake, not retried. */
export class SecretReadError extends ClaimflowError {
  readonly code = 'secret_read';
  constructor(
    readonly errorType: string,
    options?: { cause?: unknown },
  ) {
    super(`secretsmanager get secret value: ${errorType}`, options);
  }
}

/**
 * GetSecretValue of one secret's text. Throttling and server faults become TransientError; any other
 * refusal a SecretReadError naming the error type only (AWS's message can name the secret). The
 * value is returned to the caller only, never logged or put in an error.
 */
export async function readSecretString(secretId: string, client: SecretsManagerClient): Promise<string> {
  const output = await callAws('secretsmanager get secret value', async () => {
    try {
      return await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    } catch (error) {
      const name = (error as { name?: string }).name ?? 'Error';
      if ((error as { $fault?: string }).$fault === 'client' && name !== 'ThrottlingException') {
        throw new SecretReadError(name, { cause: error });
      }
      throw error;
    }
  });
  if (output.SecretString === undefined) throw new SecretReadError('no SecretString');
  return output.SecretString;
}
