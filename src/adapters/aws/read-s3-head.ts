import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { FileHead } from '../../domain/detect-format.ts';
import { ClaimflowError } from '../../domain/errors.ts';
import { readHead } from '../local-store/read-head.ts';
import { translateS3Error } from './s3-errors.ts';

/** Not an `s3://bucket/key` location. */
export class S3LocationError extends ClaimflowError {
  readonly code = 's3_location';
  constructor(readonly location: string) {
    super(`${location}: not an s3://bucket/key location`);
  }
}

/**
 * The first `bytes` of an S3 object by a ranged GET, decompressed when the object is gzip: the
 * head of a file too large to download into a function. `scratch` is a folder it may write to.
 * S3 refuses a range of an empty object; the trigger never passes one on.
 */
export async function readS3Head(
  client: S3Client,
  location: string,
  bytes: number,
  scratch: string,
): Promise<FileHead> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/s.exec(location);
  if (!match?.[1] || !match[2]) throw new S3LocationError(location);
  const [, Bucket, Key] = match;
  let body: Uint8Array;
  try {
    const object = await client.send(new GetObjectCommand({ Bucket, Key, Range: `bytes=0-${bytes - 1}` }));
    body = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (error) {
    throw translateS3Error(error, Bucket, Key);
  }
  // The gzip reader takes a file; the head goes through scratch.
  await mkdir(scratch, { recursive: true });
  const file = join(scratch, 'head');
  try {
    await writeFile(file, body);
    return await readHead(file, bytes);
  } finally {
    await rm(file, { force: true });
  }
}
