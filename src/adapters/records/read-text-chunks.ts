import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Bytes read from the file at a time; memory stays a small multiple of this. */
const CHUNK_BYTES = 1 << 20;

/** The file as UTF-8 text in chunks, gunzipped when its content is gzip (the pipeline decides by content too). */
export async function* readTextChunks(path: string): AsyncGenerator<string> {
  const gzip = await isGzip(path);
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const stream: Readable = gzip ? file.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : file;
  if (gzip) file.on('error', (error) => stream.destroy(error));
  stream.setEncoding('utf8');
  try {
    for await (const chunk of stream) yield chunk as string;
  } finally {
    file.destroy();
    stream.destroy();
  }
}

async function isGzip(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}
