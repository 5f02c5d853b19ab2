import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { z } from 'zod';
import { ENVELOPE_OVERHEAD_BYTES } from '../adapters/crypto/envelope-file.ts';
import { SEALED_SUFFIX } from '../adapters/crypto/sealed-object-store.ts';
import { JsonlEventLog } from '../adapters/local-bus/jsonl-event-log.ts';
import { folderOf, PREFIXES } from '../domain/store-layout.ts';
import {
  type AlertRecord,
  alertRecordSchema,
  type DeadLetterSummary,
  deadLetterSummarySchema,
  type InboxFile,
  type LedgerJob,
  type MonitoredReport,
  type MonitoringSnapshot,
  monitoredReportSchema,
} from '../pipeline/metrics/monitoring-snapshot.ts';

/** Alerts kept from the event log, newest. */
const ALERTS_KEPT = 100;

interface Cached<T> {
  readonly stamp: string;
  readonly value: T | undefined;
}

/**
 * Reads a root's monitoring sources (docs/output-layout.md) into a snapshot: validation reports,
 * the ledger (read-only), alerts from the event log, the inbox and the dead-letter queue. Files
 * are re-read only when their size or mtime changed, and the event log from where it left off.
 */
export class RootSnapshotReader {
  private readonly reports = new Map<string, Cached<Omit<MonitoredReport, 'has_html'>>>();
  private readonly letters = new Map<string, Cached<DeadLetterSummary>>();
  private readonly events: JsonlEventLog;
  private position = { file: '', line: 0 };
  private alerts: AlertRecord[] = [];
  private ledger: Database.Database | undefined;
  private pending: Promise<MonitoringSnapshot> | undefined;

  constructor(
    private readonly root: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.events = new JsonlEventLog(root);
  }

  /** A snapshot of the root now; concurrent callers share one read. */
  read(): Promise<MonitoringSnapshot> {
    this.pending ??= this.readAll().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  close(): void {
    this.ledger?.close();
    this.ledger = undefined;
  }

  private async readAll(): Promise<MonitoringSnapshot> {
    const [reports, deadLetters, inbox] = await Promise.all([
      this.readReports(),
      this.readDeadLetters(),
      this.readInbox(),
    ]);
    return { now: this.now(), reports, jobs: this.readLedger(), alerts: this.readAlerts(), inbox, deadLetters };
  }

  private async readReports(): Promise<MonitoredReport[]> {
    const dir = join(this.root, folderOf(PREFIXES.validationReports));
    const names = await listNames(dir);
    const reports = await this.readCached(dir, names, this.reports, '.json', async (raw) => {
      const report = parseJson(raw, monitoredReportSchema);
      return report && { ...report, input_bytes: await this.sizeOf(report.outputs.archive) };
    });
    // Looked up on every read: the HTML may land after the JSON was first read.
    const html = new Set(names.filter((n) => n.endsWith('.html')));
    return reports.map((r) => ({ ...r, has_html: html.has(`${r.job_id}.html`) }));
  }

  private readDeadLetters(): Promise<DeadLetterSummary[]> {
    const dir = join(this.root, folderOf(PREFIXES.dlq));
    return listNames(dir).then((names) =>
      this.readCached(dir, names, this.letters, '.json', async (raw) => parseJson(raw, deadLetterSummarySchema)),
    );
  }

  /** Parses each `*<extension>` file once per version; files that no longer exist leave the cache. */
  private async readCached<T>(
    dir: string,
    names: readonly string[],
    cache: Map<string, Cached<T>>,
    extension: string,
    parse: (raw: string) => Promise<T | undefined>,
  ): Promise<T[]> {
    const wanted = names.filter((n) => n.endsWith(extension) && !n.startsWith('.'));
    const present = new Set(wanted);
    for (const name of cache.keys()) if (!present.has(name)) cache.delete(name);
    const values = await Promise.all(
      wanted.map(async (name) => {
        const path = join(dir, name);
        const info = await stat(path).catch(() => undefined);
        if (!info?.isFile()) return undefined;
        const stamp = `${info.mtimeMs}:${info.size}`;
        const hit = cache.get(name);
        if (hit?.stamp === stamp) return hit.value;
        const raw = await readFile(path, 'utf8').catch(() => undefined);
        if (raw === undefined) return undefined;
        const value = await parse(raw);
        cache.set(name, { stamp, value });
        return value;
      }),
    );
    return values.filter((v) => v !== undefined);
  }

  /** The input's size from its archive copy; an encrypted copy (`<key>.enc`) less its envelope. */
  private async sizeOf(key: string | null): Promise<number | null> {
    if (!key || key.split('/').includes('..')) return null;
    const path = join(this.root, key);
    const plain = await stat(path).catch(() => undefined);
    if (plain?.isFile()) return plain.size;
    const sealed = await stat(`${path}${SEALED_SUFFIX}`).catch(() => undefined);
    return sealed?.isFile() ? sealed.size - ENVELOPE_OVERHEAD_BYTES : null;
  }

  private async readInbox(): Promise<InboxFile[]> {
    const dir = join(this.root, folderOf(PREFIXES.inbox));
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const files = await Promise.all(
      // Symlinks are no files here either: the watcher does not follow them.
      entries
        .filter((e) => e.isFile())
        .map(async (e) => {
          const info = await stat(join(dir, e.name)).catch(() => undefined);
          return info ? { key: `${PREFIXES.inbox}${e.name}`, size: info.size } : undefined;
        }),
    );
    return files.filter((f) => f !== undefined);
  }

  /** Jobs from `<root>/ledger.sqlite`, opened read-only (a running `watch` keeps writing it). */
  private readLedger(): LedgerJob[] {
    const path = join(this.root, 'ledger.sqlite');
    if (!this.ledger) {
      if (!existsSync(path)) return [];
      this.ledger = new Database(path, { readonly: true, fileMustExist: true });
    }
    // A ledger `watch` has just created may not have its table yet.
    const ready = this.ledger.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'`).get();
    if (!ready) return [];
    return this.ledger
      .prepare('SELECT job_id, input_key, status, attempts, started_at, finished_at FROM jobs')
      .all() as LedgerJob[];
  }

  private readAlerts(): AlertRecord[] {
    const { lines, position } = this.events.read(this.position);
    this.position = position;
    for (const line of lines) {
      const alert = parseJson(line, alertRecordSchema);
      if (alert) this.alerts.push(alert);
    }
    this.alerts = this.alerts.slice(-ALERTS_KEPT);
    return this.alerts;
  }
}

async function listNames(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** The value when `raw` is JSON of the schema's shape; other lines and files are not ours to read. */
function parseJson<S extends z.ZodType>(raw: string, schema: S): z.infer<S> | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
