import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Bytes read from the file at a time; memory stays a small multiple of this. */
const CHUNK_BYTES = 1 << 20;

/**
 * A file (a path) or a byte stream (an S3 object's body) as UTF-8 text in chunks, gunzipped when
 * its content is gzip (the pipeline decides by content too).
 */
export async function* readTextChunks(source: string | Readable): AsyncGenerator<string> {
  const bytes = typeof source === 'string' ? createReadStream(source, { highWaterMark: CHUNK_BYTES }) : source;
  const chunks = bytes[Symbol.asyncIterator]();
  // Enough of the start to see gzip's magic bytes, then the same bytes again, followed by the rest.
  let head = Buffer.alloc(0);
  while (head.length < 2) {
    const next = await chunks.next();
    if (next.done) break;
    head = Buffer.concat([head, Buffer.from(next.value as Uint8Array)]);
  }
  const replayed = Readable.from(
    (async function* () {
      if (head.length > 0) yield head;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value as Uint8Array;
    })(),
    { objectMode: false },
  );
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const stream: Readable = gzip ? replayed.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : replayed;
  if (gzip) replayed.on('error', (error) => stream.destroy(error));
  stream.setEncoding('utf8');
  try {
    for await (const chunk of stream) yield chunk as string;
  } finally {
    bytes.destroy();
    replayed.destroy();
    stream.destroy();
  }
}
