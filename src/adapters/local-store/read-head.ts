import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { FileHead } from '../../domain/detect-format.ts';
import { ClaimflowError } from '../../domain/errors.ts';

const GZIP_MAGIC = [0x1f, 0x8b];

/** The first `size` bytes of a file, decompressed when it is gzip (by content, not name). */
export async function readHead(path: string, size: number): Promise<FileHead> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(size);
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    const head = buffer.subarray(0, bytesRead);
    const gzip = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
    return { bytes: gzip ? await gunzipHead(head, size) : head, gzip };
  } finally {
    await handle.close();
  }
}

function gunzipHead(compressed: Buffer, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let length = 0;
    const finish = (): void => resolve(Buffer.concat(chunks).subarray(0, size));
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= size) {
        gunzip.removeAllListeners();
        gunzip.destroy();
        finish();
      }
    });
    gunzip.on('end', finish);
    // A head cut mid-stream ends with "unexpected end of file": what was inflated is enough.
    gunzip.on('error', (error: NodeJS.ErrnoException) => (error.code === 'Z_BUF_ERROR' ? finish() : reject(error)));
    gunzip.end(compressed);
  });
}

/** Compressed bytes read, and inflated bytes produced, at a time: large chunks inflate several times faster. */
const INFLATE_CHUNK_BYTES = 1 << 20;

/** A gzip file whose compressed data is cut short or corrupted (zlib checks each member's CRC-32 and length). */
export class DamagedGzipError extends ClaimflowError {
  readonly code = 'damaged_gzip';
  constructor(
    readonly path: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`the gzip data is damaged (${problem}): the file was cut short or corrupted`, options);
  }
}

/**
 * The decompressed size of a gzip file, counted by inflating it and dropping the output, or null
 * as soon as it passes `limit`: a gzip bomb costs at most `limit` bytes of inflating, never memory
 * or disk. Damaged data rejects with DamagedGzipError: the engine's reader would stop at the damage
 * and return the rows before it as if they were the whole file.
 */
export function countInflatedBytes(path: string, limit: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const file = createReadStream(path, { highWaterMark: INFLATE_CHUNK_BYTES });
    const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
    let inflated = 0;
    const finish = (result: number | null): void => {
      file.destroy();
      gunzip.destroy();
      resolve(result);
    };
    file.on('error', reject);
    gunzip.on('data', (chunk: Buffer) => {
      inflated += chunk.length;
      if (inflated > limit) finish(null);
    });
    gunzip.on('end', () => finish(inflated));
    gunzip.on('error', (error) => {
      file.destroy();
      reject(new DamagedGzipError(path, error.message, { cause: error }));
    });
    file.pipe(gunzip);
  });
}
