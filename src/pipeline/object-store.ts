import type { FileHead } from '../domain/detect-format.ts';

/**
 * The bucket layout of DESIGN.md behind one interface: keys are '/'-separated paths under
 * the root (`processed/claims/...`). The local adapter maps them onto a folder.
 */
export interface ObjectStore {
  /** A folder the engine may write into directly; removed by `dropScratch`. */
  scratchDir(name: string): Promise<string>;
  dropScratch(name: string): Promise<void>;
  /** Moves a finished local file to `key` atomically (readers never see half of it). */
  publish(localPath: string, key: string): Promise<void>;
  /** Copies a user's file in under `key`, returning its SHA-256; the original is untouched. */
  copyIn(sourcePath: string, key: string): Promise<string>;
  /** Copies the object at `from` to `to` within the store (server-side on S3: no download, any size); `to` appears whole. */
  copy(from: string, to: string): Promise<void>;
  writeText(key: string, text: string): Promise<void>;
  readText(key: string): Promise<string>;
  /** Keys under a prefix, recursively. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
  /** SHA-256 of the object's bytes. */
  hash(key: string): Promise<string>;
  /**
   * A local file holding the object's bytes, for the engine and the head reader: the file
   * itself on disk, a download into scratch on S3 (removed with `dropScratch(scratch)`).
   */
  fetchLocal(key: string, scratch: string): Promise<string>;
  /**
   * The object's first `bytes`, decompressed when it is gzip, without fetching the rest: a ranged
   * GET on S3, so a file of any size has its head read in a function with little memory and disk.
   */
  readHead(key: string, bytes: number): Promise<FileHead>;
  /** Where the object lives, for people and reports: a path on disk, `s3://bucket/key` on S3. */
  locate(key: string): string;
}
