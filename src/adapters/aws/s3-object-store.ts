import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  paginateListObjectsV2,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { FileHead } from '../../domain/detect-format.ts';
import { PREFIXES } from '../../domain/store-layout.ts';
import { createLimiter } from '../../pipeline/limiter.ts';
import type { ObjectStore } from '../../pipeline/object-store.ts';
import { readS3Head } from './read-s3-head.ts';
import { translateS3Error, UnsafeObjectKeyError } from './s3-errors.ts';

/** S3 allows at most this many parts in one multipart upload. */
const MAX_PARTS = 10_000;
const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

export interface S3ObjectStoreOptions {
  /** Bytes per part of a multipart upload (S3's minimum is 5 MiB); files up to one part go in one PUT. */
  readonly partSize?: number;
  /** Parts uploaded at once; the upload buffers about partSize x queueSize bytes. */
  readonly queueSize?: number;
  /** Keys per ListObjectsV2 page (S3's maximum is 1000). */
  readonly pageSize?: number;
  /** Largest object copied with one CopyObject (S3's maximum is 5 GiB); larger ones are copied in parts. */
  readonly maxSingleCopyBytes?: number;
  /** Bytes per part of a multipart copy. */
  readonly copyPartSize?: number;
  /** Parts copied at once: S3 copies them server-side, so this costs the function no memory. */
  readonly copyQueueSize?: number;
}

/**
 * The bucket layout of DESIGN.md on two S3 buckets. The engine works on local files, so objects
 * are downloaded into scratch folders under `scratchRoot` (/tmp on Lambda) and results uploaded.
 */
export class S3ObjectStore implements ObjectStore {
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly pageSize: number;
  private readonly maxSingleCopyBytes: number;
  private readonly copyPartSize: number;
  private readonly copyQueueSize: number;

  constructor(
    private readonly client: S3Client,
    private readonly buckets: { readonly input: string; readonly output: string },
    private readonly scratchRoot: string,
    options: S3ObjectStoreOptions = {},
  ) {
    this.partSize = options.partSize ?? 8 * 1024 ** 2;
    this.queueSize = options.queueSize ?? 4;
    this.pageSize = options.pageSize ?? 1000;
    this.maxSingleCopyBytes = options.maxSingleCopyBytes ?? 5 * 1024 ** 3;
    this.copyPartSize = options.copyPartSize ?? 512 * 1024 ** 2;
    // A 50 GB input is about 100 parts of 512 MiB: 16 at a time, it takes 7 rounds of UploadPartCopy.
    this.copyQueueSize = options.copyQueueSize ?? 16;
  }

  async scratchDir(name: string): Promise<string> {
    const dir = join(this.scratchRoot, name);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async dropScratch(name: string): Promise<void> {
    await rm(join(this.scratchRoot, name), { recursive: true, force: true });
  }

  /** A completed PUT or multipart upload is atomic on S3: readers see the old object or the new one. */
  async publish(localPath: string, key: string): Promise<void> {
    await this.upload(createReadStream(localPath), (await stat(localPath)).size, key);
    await unlink(localPath);
  }

  async copyIn(sourcePath: string, key: string): Promise<string> {
    const { size } = await stat(sourcePath);
    const hash = createHash('sha256');
    const hashing = new PassThrough({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // A read error fails the upload; a failed upload stops the read (and frees the file).
    const reading = pipeline(createReadStream(sourcePath), hashing).then(
      () => null,
      (error: unknown) => error,
    );
    try {
      await this.upload(hashing, size, key);
    } catch (error) {
      hashing.destroy();
      await reading;
      throw error;
    }
    const readError = await reading;
    if (readError) throw readError;
    return hash.digest('hex');
  }

  /**
   * A server-side copy, also from the input bucket to the output bucket: CopyObject up to 5 GiB,
   * a multipart copy (UploadPartCopy of byte ranges) above, as inputs may reach 50 GB.
   */
  async copy(from: string, to: string): Promise<void> {
    const size = await this.size(from);
    const Bucket = this.bucketOf(to);
    const CopySource = copySourceOf(this.bucketOf(from), from);
    if (size <= this.maxSingleCopyBytes) {
      await this.call(Bucket, to, () => this.client.send(new CopyObjectCommand({ Bucket, Key: to, CopySource })));
      return;
    }
    const created = await this.call(Bucket, to, () =>
      this.client.send(new CreateMultipartUploadCommand({ Bucket, Key: to, ContentType: contentTypeOf(to) })),
    );
    const UploadId = created.UploadId;
    try {
      const partSize = Math.max(this.copyPartSize, Math.ceil(size / MAX_PARTS));
      const slots = createLimiter(this.copyQueueSize);
      const parts = await Promise.all(
        Array.from({ length: Math.ceil(size / partSize) }, (_, i) =>
          slots(async () => {
            const range = `bytes=${i * partSize}-${Math.min(size, (i + 1) * partSize) - 1}`;
            const part = await this.call(Bucket, to, () =>
              this.client.send(
                new UploadPartCopyCommand({
                  Bucket,
                  Key: to,
                  UploadId,
                  PartNumber: i + 1,
                  CopySource,
                  CopySourceRange: range,
                }),
              ),
            );
            return { PartNumber: i + 1, ETag: part.CopyPartResult?.ETag };
          }),
        ),
      );
      await this.call(Bucket, to, () =>
        this.client.send(
          new CompleteMultipartUploadCommand({ Bucket, Key: to, UploadId, MultipartUpload: { Parts: parts } }),
        ),
      );
    } catch (error) {
      // An unfinished upload keeps its parts (and their cost) until it is aborted.
      await this.client.send(new AbortMultipartUploadCommand({ Bucket, Key: to, UploadId })).catch(() => undefined);
      throw error;
    }
  }

  async writeText(key: string, text: string): Promise<void> {
    const Bucket = this.bucketOf(key);
    await this.call(Bucket, key, () =>
      this.client.send(new PutObjectCommand({ Bucket, Key: key, Body: text, ContentType: contentTypeOf(key) })),
    );
  }

  readText(key: string): Promise<string> {
    return this.read(key, (body) => text(body));
  }

  /** Keys under a folder-like prefix, recursively and sorted, like the local store's listing. */
  async list(prefix: string): Promise<string[]> {
    const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    // The root spans both buckets; any other prefix lives in one.
    const buckets = folder === '' ? [this.buckets.output, this.buckets.input] : [this.bucketOf(folder)];
    const keys: string[] = [];
    for (const Bucket of buckets) {
      await this.call(Bucket, folder, async () => {
        const pages = paginateListObjectsV2(
          { client: this.client, pageSize: this.pageSize },
          { Bucket, Prefix: folder || undefined },
        );
        for await (const page of pages) {
          for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
        }
      });
    }
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    const Bucket = this.bucketOf(key);
    await this.call(Bucket, key, () => this.client.send(new DeleteObjectCommand({ Bucket, Key: key })));
  }

  async hash(key: string): Promise<string> {
    const hash = createHash('sha256');
    await this.read(key, (body) => pipeline(body, hash));
    return hash.digest('hex');
  }

  /** Downloads (streamed) to `<scratch>/<key>`, so keys fetched into one scratch folder never collide. */
  async fetchLocal(key: string, scratch: string): Promise<string> {
    const segments = key.split('/');
    // Stricter than the local store: the key becomes a path under a shared scratch folder.
    if (segments.some((s) => s === '' || s === '.' || s === '..')) {
      throw new UnsafeObjectKeyError(key, "an empty, '.' or '..' path segment");
    }
    const target = join(await this.scratchDir(scratch), ...segments);
    await mkdir(dirname(target), { recursive: true });
    await this.read(key, (body) => pipeline(body, createWriteStream(target)));
    return target;
  }

  /** The object's first `bytes`, decompressed when it is gzip, by a ranged GET: no download of a large file. */
  async readHead(key: string, bytes: number): Promise<FileHead> {
    const scratch = `head-${randomUUID()}`;
    try {
      return await readS3Head(this.client, this.locate(key), bytes, await this.scratchDir(scratch));
    } finally {
      await this.dropScratch(scratch);
    }
  }

  /**
   * Streams the object's bytes to `consume`, whose failure is classified as an S3 call's (a reset
   * mid-stream is transient); for converters that read an object whole without a download.
   */
  readStream<T>(key: string, consume: (body: Readable) => Promise<T>): Promise<T> {
    return this.read(key, consume);
  }

  /** Uploads a stream of unknown length to `key` (multipart past one part); `key` appears whole or not at all. */
  writeStream(key: string, body: Readable): Promise<void> {
    return this.upload(body, 0, key);
  }

  /** The object's size in bytes, without reading it. */
  async size(key: string): Promise<number> {
    const Bucket = this.bucketOf(key);
    const head = await this.call(Bucket, key, () => this.client.send(new HeadObjectCommand({ Bucket, Key: key })));
    return head.ContentLength ?? 0;
  }

  locate(key: string): string {
    return `s3://${this.bucketOf(key)}/${key}`;
  }

  private bucketOf(key: string): string {
    return key.startsWith(PREFIXES.raw) ? this.buckets.input : this.buckets.output;
  }

  /** GETs the object and consumes its body inside one classified call: a reset mid-stream is transient too. */
  private read<T>(key: string, consume: (body: Readable) => Promise<T>): Promise<T> {
    const Bucket = this.bucketOf(key);
    return this.call(Bucket, key, async () => {
      const object = await this.client.send(new GetObjectCommand({ Bucket, Key: key }));
      return consume(object.Body as Readable);
    });
  }

  /** One PUT up to a part, a multipart upload above (parts grown so a 50 GB file fits in 10,000). */
  private async upload(body: Readable, size: number, key: string): Promise<void> {
    const Bucket = this.bucketOf(key);
    const upload = new Upload({
      client: this.client,
      params: { Bucket, Key: key, Body: body, ContentType: contentTypeOf(key) },
      partSize: Math.max(this.partSize, Math.ceil(size / MAX_PARTS)),
      queueSize: this.queueSize,
    });
    await this.call(Bucket, key, () => upload.done());
  }

  private async call<T>(bucket: string, key: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw translateS3Error(error, bucket, key);
    }
  }
}

/**
 * CopySource is `bucket/key`, URL-encoded as a path: `?` would start a version id, `+` could read as
 * a space and `#` as a fragment, so they are encoded too; `=` of the `year=` folders stays as it is.
 */
function copySourceOf(bucket: string, key: string): string {
  return `${bucket}/${encodeURI(key).replace(/[+?#]/g, encodeURIComponent)}`;
}

function contentTypeOf(key: string): string | undefined {
  return CONTENT_TYPES[key.slice(key.lastIndexOf('.') + 1).toLowerCase()];
}
