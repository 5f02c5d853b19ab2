import { basename } from 'node:path';
import { PassThrough } from 'node:stream';
import type { RecordConverter } from '../../pipeline/file-job/file-job-options.ts';
import { convertX12Stream } from '../x12/convert-x12.ts';
import type { S3ObjectStore } from './s3-object-store.ts';

/**
 * X12 converted from one S3 object to another, by key: the object's body streams through the
 * converter into a multipart upload, so the function holds a chunk, a claim and the upload's
 * parts (about 4 x 8 MiB), never the file, and nothing lands on /tmp.
 */
export function s3X12Converter(store: S3ObjectStore): RecordConverter {
  return (inputKey, outputKey, table) =>
    store.readStream(inputKey, async (body) => {
      const ndjson = new PassThrough();
      const uploaded = store.writeStream(outputKey, ndjson);
      // A failed upload stops the conversion (its writes fail) instead of leaving it waiting.
      uploaded.catch((error: unknown) => ndjson.destroy(error instanceof Error ? error : new Error(String(error))));
      try {
        const result = await convertX12Stream({ name: basename(inputKey), source: body }, ndjson, table);
        await uploaded;
        return result;
      } catch (error) {
        ndjson.destroy();
        await uploaded.catch(() => undefined);
        throw error;
      }
    });
}
