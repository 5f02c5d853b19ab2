import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { type RecordCount, RecordCounter, type RecordSyntax } from '../../domain/record-counter.ts';
import type { FileStamp } from '../../pipeline/ports.ts';

const CHUNK_BYTES = 1 << 20;

/** The records of a file (inflated when gzip), counted from its bytes by `RecordCounter`. */
export async function countFileRecords(path: string, gzip: boolean, syntax: RecordSyntax): Promise<RecordCount> {
  const counter = new RecordCounter(syntax);
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  const bytes: Readable = gzip ? file.pipe(createGunzip({ chunkSize: CHUNK_BYTES })) : file;
  try {
    for await (const chunk of bytes) counter.push(chunk as Buffer);
  } finally {
    file.destroy();
    bytes.destroy();
  }
  return counter.end();
}

/** What tells that a file changed: its size, modification time and inode. */
export async function stampFile(path: string): Promise<FileStamp> {
  const stats = await stat(path, { bigint: true });
  return { size: Number(stats.size), modified: stats.mtimeNs.toString(), identity: `${stats.dev}:${stats.ino}` };
}
