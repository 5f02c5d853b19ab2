import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, link, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGGREGATIONS } from '../../domain/aggregations.ts';
import type { CanonicalColumn } from '../../domain/canonical-model.ts';
import { aggregationPrefix, folderOf, PREFIXES, tablePrefix } from '../../domain/store-layout.ts';
import { MEDICAL_CLAIM_TABLE, TABLES } from '../../domain/tables/tables.ts';
import type { ObjectStore } from '../../pipeline/object-store.ts';
import { withCanonicalLayout } from '../../plan/canonical-layout.ts';
import { TABLE_AGGREGATIONS } from '../../plan/compile-table-aggregations.ts';
import { duckdbDialect } from '../../plan/duckdb-dialect.ts';
import { globLiteral } from '../../plan/duckdb-ingest.ts';
import { PRIVATE_FILE_MODE } from '../local-store/private-dir.ts';
import { DuckDbEngine } from './duckdb-engine.ts';
import { syncPseudonymizedClaims } from './pseudonymized-claims.ts';

const lit = duckdbDialect.stringLiteral;

/**
 * DuckDB lets one process at a time open a database file. The warehouse is opened for moments
 * (a refresh of the views, one query), by the writer of the root and by readers (`query`) that
 * hold no root lock, so one that finds it open waits this long for the other, instead of failing
 * a run after it has published (issue 18, finding 8).
 */
const OPEN_WAIT_MS = 30_000;
const FILE_LOCKED = /Could not set lock on file/;

/**
 * What a run's refresh brings up to date besides the views: the pseudonymized claims, with the
 * key (null: they are deleted). `claimflow query` reads no config and passes none: the view then
 * shows what the last run left.
 */
export interface Pseudonymization {
  readonly store: ObjectStore;
  readonly key: Buffer | null;
}

/**
 * The event log's lines (`events/*.jsonl`) as columns. Each line is read as one JSON object, not
 * by schema inference, so every event shape (status, validation, error, alert) fits one view; a
 * line that is not JSON is skipped rather than failing every query.
 */
const EVENT_COLUMNS = `SELECT
  CAST(json ->> 'timestamp' AS TIMESTAMPTZ) AS timestamp,
  json ->> 'event_type' AS event_type,
  COALESCE(json ->> 'job_id', json -> 'context' ->> 'job_id') AS job_id,
  COALESCE(json ->> 'input_file', json ->> 'file', json -> 'context' ->> 'file') AS file,
  json ->> 'status' AS status,
  json ->> 'validation_status' AS validation_status,
  json ->> 'error_type' AS error_type,
  json ->> 'error_message' AS error_message,
  json -> 'context' ->> 'function_name' AS function_name,
  json ->> 'severity' AS severity,
  json ->> 'title' AS title,
  json ->> 'rule_id' AS rule_id,
  json AS event`;

/**
 * The local warehouse: `<root>/warehouse.duckdb`, whose tables are views over the published
 * Parquet (like external tables), so a replaced file never leaves stale or doubled rows.
 */
export class DuckDbWarehouse {
  constructor(
    private readonly root: string,
    private readonly pseudonymization?: Pseudonymization,
  ) {}

  get path(): string {
    return join(this.root, 'warehouse.duckdb');
  }

  /** (Re)creates the views; a view whose files do not exist yet is dropped. */
  async refresh(): Promise<void> {
    const engine = await this.open();
    try {
      // DuckDB creates the file with the umask's mode.
      await chmod(this.path, PRIVATE_FILE_MODE);
      if (this.pseudonymization) {
        const { store, key } = this.pseudonymization;
        await syncPseudonymizedClaims(engine, store, key);
      }
      for (const [view, source] of this.views()) {
        if (source)
          await engine.run(`CREATE OR REPLACE VIEW ${duckdbDialect.quoteIdent(view)} AS SELECT * FROM ${source}`);
        else await engine.run(`DROP VIEW IF EXISTS ${duckdbDialect.quoteIdent(view)}`);
      }
    } finally {
      engine.close();
    }
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    await this.refresh();
    const engine = await this.open();
    try {
      return await engine.query(sql);
    } finally {
      engine.close();
    }
  }

  /** Like `query`, with the rows handed to `consume` chunk by chunk as they are read. */
  async stream(
    sql: string,
    as: 'js' | 'text',
    consume: (columns: string[], chunks: AsyncIterable<unknown[][]>) => Promise<void>,
  ): Promise<void> {
    await this.refresh();
    const engine = await this.open();
    try {
      const { columns, chunks } = await engine.stream(sql, as);
      await consume(columns, chunks);
    } finally {
      engine.close();
    }
  }

  /** The warehouse file, once no other process has it open (or the wait is over: its error then). */
  private async open(): Promise<DuckDbEngine> {
    await this.createWhole();
    const deadline = Date.now() + OPEN_WAIT_MS;
    for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
      try {
        return await DuckDbEngine.open({ path: this.path });
      } catch (error) {
        if (!FILE_LOCKED.test(error instanceof Error ? error.message : String(error)) || Date.now() + delay > deadline)
          throw error;
        await sleep(delay);
      }
    }
  }

  /**
   * Creates the file whole or not at all: a process killed while DuckDB wrote a new file's headers
   * left one DuckDB refuses ("not a valid DuckDB database file"), failing every later refresh. The
   * file is made under a name of its own, then linked into place unless another got there first.
   */
  private async createWhole(): Promise<void> {
    if (existsSync(this.path)) return;
    const made = `${this.path}.${process.pid}-${randomUUID()}.new`;
    try {
      (await DuckDbEngine.open({ path: made })).close();
      await link(made, this.path).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    } finally {
      await rm(made, { force: true });
    }
  }

  private views(): Array<[string, string | null]> {
    const parquet = (prefix: string, glob: string, hive: boolean): string | null =>
      hasFiles(join(this.root, folderOf(prefix)), '.parquet')
        ? `read_parquet(${lit(globUnder(join(this.root, prefix), glob))}, union_by_name = true, hive_partitioning = ${hive})`
        : null;
    // Each file holds the canonical columns its input had: the views show them all.
    const claims = (prefix: string, columns?: readonly CanonicalColumn[]): string | null => {
      const files = parquet(prefix, '*/*/*.parquet', true);
      return files && withCanonicalLayout(files, columns);
    };
    const reports = join(this.root, folderOf(PREFIXES.validationReports));
    const events = join(this.root, 'events');
    const eventLines = hasFiles(events, '.jsonl')
      ? `(${EVENT_COLUMNS} FROM read_json_objects(${lit(globUnder(events, '*.jsonl'))}, format = 'newline_delimited', ignore_errors = true) WHERE json IS NOT NULL)`
      : null;
    return [
      ['medical_claim', claims(PREFIXES.processedClaims)],
      ['medical_claim_pseudonymized', claims(PREFIXES.pseudonymizedClaims)],
      ...TABLES.filter((t) => t !== MEDICAL_CLAIM_TABLE).map((t): [string, string | null] => [
        t.name,
        claims(tablePrefix(t.name), t.columns),
      ]),
      ...TABLE_AGGREGATIONS.map((a): [string, string | null] => [
        a.name,
        parquet(aggregationPrefix(a.name), '*.parquet', false),
      ]),
      // Encrypted rows (`*.parquet.enc`) are not readable here: with a master key the view is dropped.
      ['quarantine_rows', parquet(PREFIXES.quarantineRows, '*.parquet', false)],
      ...AGGREGATIONS.map((a): [string, string | null] => [
        a.name,
        parquet(aggregationPrefix(a.name), '*.parquet', false),
      ]),
      [
        'validation_reports',
        hasFiles(reports, '.json')
          ? `read_json_auto(${lit(globUnder(reports, '*.json'))}, union_by_name = true)`
          : null,
      ],
      ['events', eventLines],
      [
        'alerts',
        eventLines &&
          `(SELECT timestamp, severity, title, event ->> 'summary' AS summary, job_id, file, rule_id, CAST(event -> 'deliveries' AS STRUCT(channel VARCHAR, ok BOOLEAN, attempts INTEGER)[]) AS deliveries FROM ${eventLines} WHERE event_type = 'alert')`,
      ],
    ];
  }
}

/** `glob` under `folder`, the folder's own `[`, `*` and `?` matched literally (a root may be named `root[1]`). */
function globUnder(folder: string, glob: string): string {
  return join(globLiteral(folder), glob);
}

function hasFiles(folder: string, extension: string): boolean {
  if (!existsSync(folder)) return false;
  return readdirSync(folder, { recursive: true, encoding: 'utf8' }).some((f) => f.endsWith(extension));
}
