import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { tempDir } from './cli.ts';

const CHILD = fileURLToPath(new URL('./s3rver-process.ts', import.meta.url));

/** A real S3-protocol server on loopback, with the S3 events it sent. */
export interface S3rver {
  readonly endpoint: string;
  /** Event notifications in the order s3rver sent them (object keys raw, not URL-encoded). */
  readonly events: unknown[];
  /** A client configured the way s3rver needs; `maxAttempts: 1` for tests of failures. */
  client(options?: { maxAttempts?: number }): S3Client;
  stop(): Promise<void>;
}

/** The client settings s3rver needs: path-style URLs, no default checksums, its static credentials. */
export function s3rverClient(endpoint: string, maxAttempts = 3): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    maxAttempts,
  });
}

/** Starts s3rver on a free port with a fresh directory and the given buckets. */
export async function startS3rver(buckets: readonly string[]): Promise<S3rver> {
  const directory = await tempDir('s3rver');
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', '--import', 'tsx', CHILD, directory, ...buckets],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const events: unknown[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`s3rver exited with code ${code} before listening`)));
    createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> }).on('line', (line) => {
      const message = JSON.parse(line) as { port?: number; event?: unknown };
      if (message.port !== undefined) resolve(message.port);
      else events.push(message.event);
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const clients: S3Client[] = [];
  return {
    endpoint,
    events,
    client: (options = {}) => {
      const client = s3rverClient(endpoint, options.maxAttempts);
      clients.push(client);
      return client;
    },
    stop: async () => {
      for (const client of clients) client.destroy();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(directory, { recursive: true, force: true });
    },
  };
}
