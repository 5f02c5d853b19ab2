import type { FileHead } from '../../domain/detect-format.ts';
import type { ObjectStore } from '../../pipeline/object-store.ts';
import { type AuditTrail, jobIdIn } from './audit-trail.ts';

/**
 * Appends an audit entry for every call that reads, writes or deletes an object, once the call
 * has succeeded. Scratch space, listings and locations touch no claim data and are not recorded.
 * The job is the one named in the key, the local file or the scratch folder, when one is.
 */
export class AuditedObjectStore implements ObjectStore {
  constructor(
    private readonly inner: ObjectStore,
    private readonly trail: AuditTrail,
  ) {}

  scratchDir(name: string): Promise<string> {
    return this.inner.scratchDir(name);
  }

  dropScratch(name: string): Promise<void> {
    return this.inner.dropScratch(name);
  }

  async publish(localPath: string, key: string): Promise<void> {
    await this.inner.publish(localPath, key);
    await this.trail.record('write', key, jobIdIn(key, localPath));
  }

  async copyIn(sourcePath: string, key: string): Promise<string> {
    const hash = await this.inner.copyIn(sourcePath, key);
    const jobId = jobIdIn(key);
    await this.trail.record('read', sourcePath, jobId);
    await this.trail.record('write', key, jobId);
    return hash;
  }

  async copy(from: string, to: string): Promise<void> {
    await this.inner.copy(from, to);
    const jobId = jobIdIn(to);
    await this.trail.record('read', from, jobId);
    await this.trail.record('write', to, jobId);
  }

  async writeText(key: string, text: string): Promise<void> {
    await this.inner.writeText(key, text);
    await this.trail.record('write', key);
  }

  async readText(key: string): Promise<string> {
    const text = await this.inner.readText(key);
    await this.trail.record('read', key);
    return text;
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  async delete(key: string): Promise<void> {
    await this.inner.delete(key);
    await this.trail.record('delete', key);
  }

  async hash(key: string): Promise<string> {
    const hash = await this.inner.hash(key);
    await this.trail.record('read', key);
    return hash;
  }

  async fetchLocal(key: string, scratch: string): Promise<string> {
    const path = await this.inner.fetchLocal(key, scratch);
    await this.trail.record('read', key, jobIdIn(key, scratch));
    return path;
  }

  async readHead(key: string, bytes: number): Promise<FileHead> {
    const head = await this.inner.readHead(key, bytes);
    await this.trail.record('read', key);
    return head;
  }

  locate(key: string): string {
    return this.inner.locate(key);
  }
}
