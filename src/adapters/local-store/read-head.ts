import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { FileHead } from '../../pipeline/detect-format.ts';

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
