import type { Stats } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Event } from '../../pipeline/messages.ts';
import type { Logger } from '../../pipeline/ports.ts';

export interface InboxWatcherOptions {
  readonly root: string;
  /** Key prefix of the inbox, e.g. `raw/claims/`. */
  readonly prefix: string;
  readonly pollMs: number;
  /** A file counts as complete once its size and mtime have not changed for this long. */
  readonly settleMs: number;
  readonly now: () => number;
  /** Where skipped entries (symlinks, folders) are reported, once each. */
  readonly logger: Logger;
}

/**
 * Polls the inbox folder and turns each complete new file into an S3 `ObjectCreated` event
 * (keys URL-encoded, as S3 sends them). Polling, not fs.watch: it behaves the same on every
 * filesystem and sees files that were there before it started.
 */
export class InboxWatcher {
  private readonly seen = new Map<string, { size: number; mtimeMs: number; since: number; emitted: boolean }>();
  /** Entries reported as skipped, so each is logged once while it stays. */
  private readonly skipped = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly options: InboxWatcherOptions,
    private readonly onEvent: (event: S3Event) => Promise<unknown>,
  ) {}

  start(): void {
    const tick = (): void => {
      this.polling = this.poll().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.options.pollMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.polling;
  }

  /** One pass over the inbox; exported for tests that step it by hand. */
  async poll(): Promise<void> {
    const dir = join(this.options.root, ...this.options.prefix.split('/').filter(Boolean));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    const now = this.options.now();
    const present = new Set<string>();
    for (const name of names.sort()) {
      const stat = await lstat(join(dir, name)).catch(() => undefined);
      if (stat && !stat.isFile()) this.skip(name, stat);
      if (!stat?.isFile()) continue;
      present.add(name);
      const last = this.seen.get(name);
      if (!last || last.size !== stat.size || last.mtimeMs !== stat.mtimeMs) {
        this.seen.set(name, { size: stat.size, mtimeMs: stat.mtimeMs, since: now, emitted: false });
        continue;
      }
      if (last.emitted || now - last.since < this.options.settleMs) continue;
      last.emitted = true;
      await this.onEvent({
        Records: [
          {
            eventName: 'ObjectCreated:Put',
            eventTime: new Date(now).toISOString(),
            s3: {
              bucket: { name: 'local' },
              object: { key: `${this.options.prefix}${encodeURIComponent(name)}`, size: stat.size },
            },
          },
        ],
      });
    }
    for (const name of this.seen.keys()) if (!present.has(name)) this.seen.delete(name);
    const listed = new Set(names);
    for (const name of this.skipped) if (!listed.has(name)) this.skipped.delete(name);
  }

  private skip(name: string, stat: Stats): void {
    if (this.skipped.has(name)) return;
    this.skipped.add(name);
    // Symlinks are not followed: a link could point anywhere on the machine.
    const reason = stat.isSymbolicLink() ? 'symbolic link (not followed)' : 'not a regular file';
    this.options.logger.warn('inbox entry skipped', { file: name, reason });
  }
}
