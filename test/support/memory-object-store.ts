import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHead } from '../../src/adapters/local-store/read-head.ts';
import type { FileHead } from '../../src/domain/detect-format.ts';
import { checkObjectKey } from '../../src/domain/object-key.ts';
import type { ObjectStore } from '../../src/pipeline/object-store.ts';

/** The store's methods, each of which can be made to fail. */
export type StoreMethod = {
  [K in keyof ObjectStore]: ObjectStore[K] extends (...args: never[]) => unknown ? K : never;
}[keyof ObjectStore];

/** The error a method made to fail throws (a system error: not a ClaimFileError, not transient). */
export class InjectedStoreFault extends Error {
  constructor(readonly method: StoreMethod) {
    super(`memory store: ${method} failed (injected)`);
    this.name = 'InjectedStoreFault';
  }
}

export interface MemoryObjectStoreOptions {
  /** Methods that fail on every call (until removed from the set). */
  readonly failOn?: Iterable<StoreMethod>;
}

/**
 * An ObjectStore keeping its objects in a Map, for in-process tests of the file job. Scratch
 * folders are real temp folders (DuckDB writes files there); everything else is memory. A
 * method can be made to fail, to see what a job does when its store breaks mid-way.
 */
export class MemoryObjectStore implements ObjectStore {
  /** Methods that fail on every call; add to or delete from it while a test runs. */
  readonly failOn: Set<StoreMethod>;
  private readonly objects = new Map<string, Buffer>();
  private readonly scratch = new Map<string, string>();
  private readonly made: string[] = [];
  private readonly failOnce = new Set<StoreMethod>();

  constructor(options: MemoryObjectStoreOptions = {}) {
    this.failOn = new Set(options.failOn ?? []);
  }

  /** The next call of `method` fails, later ones succeed. */
  failNext(method: StoreMethod): void {
    this.failOnce.add(method);
  }

  /** Every scratch folder this store made, dropped or not (to check a job left none behind). */
  scratchFolders(): readonly string[] {
    return [...this.made];
  }

  /** Every key, sorted. */
  keys(): string[] {
    return [...this.objects.keys()].sort();
  }

  /** The object's bytes (a copy), or undefined when there is none. */
  bytes(key: string): Buffer | undefined {
    const stored = this.objects.get(key);
    return stored && Buffer.from(stored);
  }

  /** Removes every scratch folder still there; for `after` hooks. */
  async dropAllScratch(): Promise<void> {
    for (const name of [...this.scratch.keys()]) await this.dropScratch(name);
  }

  async scratchDir(name: string): Promise<string> {
    this.fault('scratchDir');
    const existing = this.scratch.get(name);
    if (existing) return existing;
    const dir = await mkdtemp(join(tmpdir(), `claimflow-memory-store-${name.replace(/[^A-Za-z0-9_-]/g, '_')}-`));
    this.scratch.set(name, dir);
    this.made.push(dir);
    return dir;
  }

  async dropScratch(name: string): Promise<void> {
    this.fault('dropScratch');
    const dir = this.scratch.get(name);
    if (!dir) return;
    this.scratch.delete(name);
    await rm(dir, { recursive: true, force: true });
  }

  async publish(localPath: string, key: string): Promise<void> {
    this.fault('publish');
    const bytes = await readFile(localPath);
    this.objects.set(checkObjectKey(key), bytes);
    await rm(localPath);
  }

  async copyIn(sourcePath: string, key: string): Promise<string> {
    this.fault('copyIn');
    const bytes = await readFile(sourcePath);
    this.objects.set(checkObjectKey(key), bytes);
    return createHash('sha256').update(bytes).digest('hex');
  }

  async copy(from: string, to: string): Promise<void> {
    this.fault('copy');
    this.objects.set(checkObjectKey(to), Buffer.from(this.get(from)));
  }

  async writeText(key: string, text: string): Promise<void> {
    this.fault('writeText');
    this.objects.set(checkObjectKey(key), Buffer.from(text, 'utf8'));
  }

  async readText(key: string): Promise<string> {
    this.fault('readText');
    return this.get(key).toString('utf8');
  }

  async list(prefix: string): Promise<string[]> {
    this.fault('list');
    // As on disk and S3: `a/b` lists what is under the folder `a/b/`, not `a/bc`.
    const folder = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    return this.keys().filter((k) => k.startsWith(folder));
  }

  async delete(key: string): Promise<void> {
    this.fault('delete');
    this.objects.delete(key);
  }

  async hash(key: string): Promise<string> {
    this.fault('hash');
    return createHash('sha256').update(this.get(key)).digest('hex');
  }

  async fetchLocal(key: string, scratch: string): Promise<string> {
    this.fault('fetchLocal');
    const bytes = this.get(key);
    const path = join(await this.scratchDir(scratch), `${randomUUID()}-${key.split('/').pop() ?? 'object'}`);
    await writeFile(path, bytes);
    return path;
  }

  /** The head bytes alone go through a scratch file, as a ranged GET would fetch only them. */
  async readHead(key: string, bytes: number): Promise<FileHead> {
    this.fault('readHead');
    const scratch = `head-${randomUUID()}`;
    const path = join(await this.scratchDir(scratch), 'head');
    try {
      await writeFile(path, this.get(key).subarray(0, bytes));
      return await readHead(path, bytes);
    } finally {
      await this.dropScratch(scratch);
    }
  }

  locate(key: string): string {
    this.fault('locate');
    return `memory://${checkObjectKey(key)}`;
  }

  private get(key: string): Buffer {
    const stored = this.objects.get(key);
    if (!stored) throw Object.assign(new Error(`memory store: no object ${key}`), { code: 'ENOENT' });
    return stored;
  }

  private fault(method: StoreMethod): void {
    if (this.failOnce.delete(method) || this.failOn.has(method)) throw new InjectedStoreFault(method);
  }
}
