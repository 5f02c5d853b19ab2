import { createHash, randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FileHead } from '../../domain/detect-format.ts';
import { PREFIXES } from '../../domain/store-layout.ts';
import type { ObjectStore } from '../../pipeline/object-store.ts';
import { readHead } from '../local-store/read-head.ts';
import { decryptFile, encryptFile, openBytes, sealBytes } from './envelope-file.ts';

/** Prefixes whose objects hold claim values kept for review: quarantined rows and files, archived inputs. */
export const SEALED_PREFIXES: readonly string[] = [PREFIXES.quarantine, PREFIXES.archive];
/** The name suffix of an object stored as an envelope. */
export const SEALED_SUFFIX = '.enc';

const isSealed = (key: string): boolean => SEALED_PREFIXES.some((p) => key.startsWith(p));

/**
 * Encryption at rest of the sealed prefixes: each object there is stored as an envelope under
 * `<key>.enc`, and callers keep using the plain key. Plaintext exists only in the inner store's
 * scratch space (`temp/`): an engine output is encrypted from scratch, an input is encrypted while
 * it is copied in, and a read decrypts into scratch.
 */
export class SealedObjectStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly masterKey: Buffer,
  ) {}

  scratchDir(name: string): Promise<string> {
    return this.inner.scratchDir(name);
  }

  dropScratch(name: string): Promise<void> {
    return this.inner.dropScratch(name);
  }

  async publish(localPath: string, key: string): Promise<void> {
    if (!isSealed(key)) return this.inner.publish(localPath, key);
    const sealed = `${localPath}${SEALED_SUFFIX}`;
    await encryptFile(localPath, sealed, this.masterKey);
    await rm(localPath, { force: true });
    await this.inner.publish(sealed, stored(key));
  }

  async copyIn(sourcePath: string, key: string): Promise<string> {
    if (!isSealed(key)) return this.inner.copyIn(sourcePath, key);
    const hash = createHash('sha256');
    const sealed = await this.scratchFile();
    await encryptFile(sourcePath, sealed, this.masterKey, (chunk) => hash.update(chunk));
    await this.inner.publish(sealed, stored(key));
    return hash.digest('hex');
  }

  /** A copy into or out of a sealed prefix changes the bytes, so it goes through scratch (decrypted, encrypted again). */
  async copy(from: string, to: string): Promise<void> {
    if (!isSealed(from) && !isSealed(to)) return this.inner.copy(from, to);
    const scratch = `copy-${randomUUID()}`;
    try {
      await this.copyIn(await this.fetchLocal(from, scratch), to);
    } finally {
      await this.inner.dropScratch(scratch);
    }
  }

  async writeText(key: string, text: string): Promise<void> {
    if (!isSealed(key)) return this.inner.writeText(key, text);
    const sealed = await this.scratchFile();
    await writeFile(sealed, sealBytes(Buffer.from(text), this.masterKey), { mode: 0o600 });
    await this.inner.publish(sealed, stored(key));
  }

  async readText(key: string): Promise<string> {
    if (!isSealed(key)) return this.inner.readText(key);
    return this.withDownload(stored(key), async (path) =>
      openBytes(await readFile(path), this.masterKey, key).toString('utf8'),
    );
  }

  async list(prefix: string): Promise<string[]> {
    const keys = await this.inner.list(prefix);
    return keys.map((k) => (isSealed(k) && k.endsWith(SEALED_SUFFIX) ? k.slice(0, -SEALED_SUFFIX.length) : k));
  }

  async delete(key: string): Promise<void> {
    // A plaintext object written before encryption was turned on goes too.
    if (isSealed(key)) await this.inner.delete(stored(key));
    await this.inner.delete(key);
  }

  /** The stored bytes' hash: for a sealed object, of its envelope. */
  hash(key: string): Promise<string> {
    return this.inner.hash(isSealed(key) ? stored(key) : key);
  }

  /** A sealed object is decrypted into `scratch`, removed with it. */
  async fetchLocal(key: string, scratch: string): Promise<string> {
    if (!isSealed(key)) return this.inner.fetchLocal(key, scratch);
    const envelope = await this.inner.fetchLocal(stored(key), scratch);
    const plain = join(await this.inner.scratchDir(scratch), `${randomUUID()}-${basename(key)}`);
    await decryptFile(envelope, plain, this.masterKey);
    return plain;
  }

  /** A sealed object's head is its plaintext's: the envelope is decrypted whole into scratch first. */
  async readHead(key: string, bytes: number): Promise<FileHead> {
    if (!isSealed(key)) return this.inner.readHead(key, bytes);
    const scratch = `head-${randomUUID()}`;
    try {
      return await readHead(await this.fetchLocal(key, scratch), bytes);
    } finally {
      await this.inner.dropScratch(scratch);
    }
  }

  locate(key: string): string {
    return this.inner.locate(isSealed(key) ? stored(key) : key);
  }

  private async scratchFile(): Promise<string> {
    return join(await this.inner.scratchDir('files'), `${randomUUID()}${SEALED_SUFFIX}`);
  }

  private async withDownload<T>(key: string, work: (path: string) => Promise<T>): Promise<T> {
    const scratch = `sealed-${randomUUID()}`;
    try {
      return await work(await this.inner.fetchLocal(key, scratch));
    } finally {
      await this.inner.dropScratch(scratch);
    }
  }
}

const stored = (key: string): string => `${key}${SEALED_SUFFIX}`;
