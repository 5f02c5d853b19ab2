import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, SourceData } from '@smithy/types';
import { z } from 'zod';
import { ClaimflowError, TransientError } from '../../domain/errors.ts';

const bytesOf = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** SHA-256 and its HMAC for SigV4, from node:crypto. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

/** Secrets Manager refused the read (no such secret, access denied): a deployment mistake, not retried. */
export class SecretReadError extends ClaimflowError {
  readonly code = 'secret_read';
  constructor(readonly errorType: string) {
    super(`secretsmanager get secret value: ${errorType}`);
  }
}

const secretValueSchema = z.object({ SecretString: z.string() });

export interface SecretsManagerOptions {
  readonly region: string;
  /** Another endpoint than AWS's (an emulator); the request is signed the same. */
  readonly endpoint?: string;
  readonly credentials?: AwsCredentialIdentity;
  readonly timeoutMs?: number;
}

/**
 * GetSecretValue of one secret: a SigV4-signed POST of Secrets Manager's JSON protocol. The project
 * has no Secrets Manager SDK client; this one call is all the alert handler needs of it. The
 * secret's value is returned to the caller only, never logged or put in an error.
 */
export async function readSecretString(secretId: string, options: SecretsManagerOptions): Promise<string> {
  const url = new URL(options.endpoint ?? `https://secretsmanager.${options.region}.amazonaws.com/`);
  const body = JSON.stringify({ SecretId: secretId });
  const signer = new SignatureV4({
    service: 'secretsmanager',
    region: options.region,
    credentials: options.credentials ?? defaultProvider(),
    sha256: NodeSha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: {},
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.GetSecretValue',
    },
    body,
  });
  const operation = 'secretsmanager get secret value';
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: signed.headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 5000),
    });
  } catch (error) {
    throw new TransientError(`${operation}: unreachable`, { cause: error });
  }
  if (!response.ok) {
    // The error type only (e.g. ResourceNotFoundException): AWS's message can name the secret.
    const type = String(((await response.json().catch(() => ({}))) as { __type?: unknown }).__type ?? response.status);
    const name = type.split('#').at(-1) ?? type;
    if (response.status >= 500 || response.status === 429) throw new TransientError(`${operation}: ${name}`);
    throw new SecretReadError(name);
  }
  return secretValueSchema.parse(await response.json()).SecretString;
}
