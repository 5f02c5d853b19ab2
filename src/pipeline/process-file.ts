import { basename } from 'node:path';
import { CANONICAL_COLUMNS, normalizeHeaderName, REQUIRED_COLUMNS } from '../domain/canonical-model.ts';
import { ClaimFileError } from '../domain/errors.ts';
import type { RowRule, Rule } from '../domain/rule.ts';
import { DEDUPE_RULES, FILE_RULES } from '../domain/rule-catalog.ts';
import { type ColumnMapping, type MapInput, StagePlan } from '../plan/compile-plan.ts';
import { duckdbDialect } from '../plan/duckdb-dialect.ts';
import {
  csvSourceRelation,
  jsonField,
  jsonKeys,
  jsonSourceRelation,
  loadCsv,
  loadCsvRejects,
  loadJson,
} from '../plan/duckdb-ingest.ts';
import { detectFormat, type InputFormat } from './detect-format.ts';
import type { ObjectStore } from './object-store.ts';
import type { Clock, Engine, Logger } from './ports.ts';
import { sourceKeyOf } from './source-key.ts';
import type { JobStatus, RuleCount, ValidationReport } from './validation-report.ts';

export interface FileJobDeps {
  readonly engine: Engine;
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The first bytes of a file, decompressed if it is gzip. */
  readonly readHead: (path: string) => Promise<Buffer>;
  readonly onStage?: (stage: string) => void;
}

export interface FileJobOptions {
  readonly jobId: string;
  readonly rules: readonly RowRule[];
  /** Largest share of quarantined rows before the whole file is rejected. */
  readonly errorRateThreshold: number;
  readonly dataSource: string;
  /** ISO date: later dates are out of range. */
  readonly runDate: string;
}

export interface FileJobResult {
  readonly jobId: string;
  readonly inputFile: string;
  readonly status: JobStatus;
  readonly report: ValidationReport;
  /** `YYYY-MM` partitions whose published files changed. */
  readonly touchedMonths: readonly string[];
}

const q = duckdbDialect.quoteIdent;

/** Runs the staged plan over one claim file and publishes its outputs. Never throws for bad data. */
export async function processFile(path: string, deps: FileJobDeps, options: FileJobOptions): Promise<FileJobResult> {
  return new FileJob(path, deps, options).run();
}

class FileJob {
  private readonly fileName: string;
  private readonly sourceKey: string;
  private readonly startedAt: Date;
  private readonly timings: Record<string, number> = {};
  private readonly tables: string[] = [];
  private readonly plan: StagePlan;
  private format: InputFormat | null = null;
  private unknownColumns: string[] = [];
  private missingOptional = 0;
  /** The check stage's table, once it exists. */
  private checked: string | null = null;

  constructor(
    private readonly path: string,
    private readonly deps: FileJobDeps,
    private readonly options: FileJobOptions,
  ) {
    this.fileName = basename(path);
    this.sourceKey = sourceKeyOf(path);
    this.startedAt = deps.clock.now();
    this.plan = new StagePlan(duckdbDialect, options.rules, options.runDate);
  }

  async run(): Promise<FileJobResult> {
    const { store, logger } = this.deps;
    const { jobId } = this.options;
    logger.info('job started', { job_id: jobId, file: this.fileName });
    const archiveKey = `archive/${this.startedAt.toISOString().slice(0, 10)}/${jobId}/${this.fileName}`;
    const sha256 = await this.timed('archive', () => store.copyIn(this.path, archiveKey));
    try {
      const counts = await this.validate();
      const result = await this.publish(counts, sha256, archiveKey);
      logger.info('job succeeded', { job_id: jobId, file: this.fileName, ...result.report.summary });
      return result;
    } catch (error) {
      if (!(error instanceof ClaimFileError)) throw error;
      logger.warn('file rejected', { job_id: jobId, file: this.fileName, rule_id: error.ruleId });
      return await this.reject(error, sha256, archiveKey);
    } finally {
      await this.cleanUp();
    }
  }

  /** ingest, map, normalize, check: leaves the `checked` table and returns its counts. */
  private async validate(): Promise<{ total: number; quarantined: number; rules: RuleCount[] }> {
    const head = await this.readOrHalt(() => this.deps.readHead(this.path));
    if (head.length === 0) throw this.halt('empty_file', 'the file is empty (0 bytes)');
    const detection = detectFormat(this.fileName, head);
    if (!detection.ok) throw this.halt('unreadable_file', detection.reason);
    this.format = detection.format;
    const input = await this.timed('ingest', () => this.ingest(detection.format));
    const checked = this.table('checked');
    await this.timed('check', () =>
      this.deps.engine.run(`CREATE TEMP TABLE ${q(checked)} AS ${this.plan.check(`(${input}) AS mapped`)}`),
    );
    this.checked = checked;
    const [row] = await this.deps.engine.query(
      `SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE len(dq_errors) > 0) AS quarantined FROM ${q(checked)}`,
    );
    const total = Number(row?.total ?? 0);
    const quarantined = Number(row?.quarantined ?? 0);
    if (total === 0) throw this.halt('empty_file', 'the file has a header but no data rows');
    const rules = await this.ruleCounts(checked);
    const halting = rules.find((r) => r.action === 'halt');
    if (halting) throw this.halt(halting.rule_id, `${halting.row_count} row(s) broke a rule whose action is halt`);
    const rate = quarantined / total;
    if (rate > this.options.errorRateThreshold) {
      throw this.halt(
        'error_rate_exceeded',
        `${quarantined} of ${total} rows (${(rate * 100).toFixed(2)}%) failed validation, over the threshold of ${(this.options.errorRateThreshold * 100).toFixed(2)}%`,
      );
    }
    return { total, quarantined, rules };
  }

  /** Reads the file as text into a temp table; returns the map stage's SELECT over it. */
  private async ingest(format: InputFormat): Promise<string> {
    const { engine } = this.deps;
    const lineage = {
      jobId: this.options.jobId,
      fileName: this.fileName,
      ingestDatetime: this.startedAt.toISOString(),
      dataSource: this.options.dataSource,
    };
    const common = {
      lineage,
      rowNumberExpr: '_row_number',
      ingestErrorExpr: '_ingest_error',
      rawLineExpr: '_raw_line',
    };
    if (format.kind === 'csv') {
      const read = { path: this.path, delimiter: format.delimiter };
      const columns = format.header;
      const mapping = this.mapColumns(columns, q);
      const loaded = this.table('csv');
      const rejectsTable = this.table('csv_rejects_raw');
      await this.readOrHalt(() => engine.run(loadCsv(loaded, { ...read, columns, rejectsTable })));
      const [rejected] = await engine.query(`SELECT COUNT(*) AS n FROM ${q(rejectsTable)}`);
      let rejects: string | undefined;
      if (Number(rejected?.n ?? 0) > 0) {
        rejects = this.table('csv_rejects');
        await engine.run(loadCsvRejects(rejects, rejectsTable));
      }
      return this.plan.map({ ...mapping, ...common }, csvSourceRelation(loaded, rejects, columns));
    }
    const loaded = this.table('json');
    await this.readOrHalt(() => engine.run(loadJson(loaded, this.path, format)));
    const keys = (await engine.query(jsonKeys(loaded))).map((r) => String(r.key));
    const [count] = await engine.query(`SELECT COUNT(*) AS n FROM ${q(loaded)}`);
    if (Number(count?.n ?? 0) === 0) throw this.halt('empty_file', 'the file holds no records');
    return this.plan.map({ ...this.mapColumns(keys, jsonField), ...common }, jsonSourceRelation(loaded));
  }

  private mapColumns(
    sourceNames: readonly string[],
    sourceExpr: (name: string) => string,
  ): Pick<MapInput, 'mappings' | 'extras'> {
    const canonical = new Set(CANONICAL_COLUMNS.map((c) => c.name));
    const mappings: ColumnMapping[] = [];
    const extras: { name: string; sourceExpr: string }[] = [];
    const taken = new Set<string>();
    for (const name of sourceNames) {
      const target = normalizeHeaderName(name);
      if (canonical.has(target) && !taken.has(target)) {
        taken.add(target);
        mappings.push({ canonical: target, sourceExpr: sourceExpr(name) });
      } else {
        extras.push({ name, sourceExpr: sourceExpr(name) });
      }
    }
    const missing = REQUIRED_COLUMNS.filter((c) => !taken.has(c));
    if (missing.length > 0) throw this.halt('missing_required_column', `the header lacks ${missing.join(', ')}`);
    this.unknownColumns = extras.map((e) => e.name);
    this.missingOptional = canonical.size - taken.size;
    return { mappings, extras };
  }

  /** route, dedupe, enrich, publish: writes every output of a file that passed. */
  private async publish(
    counts: { total: number; quarantined: number; rules: RuleCount[] },
    sha256: string,
    archiveKey: string,
  ): Promise<FileJobResult> {
    const { engine, store } = this.deps;
    const checked = this.table('checked');
    const scratch = await store.scratchDir(this.options.jobId);
    const quarantineKey = `quarantine/rows/${this.sourceKey}.parquet`;
    const quarantineRows = await this.timed('route', async () => {
      if (counts.quarantined === 0) {
        await store.delete(quarantineKey);
        return null;
      }
      const local = `${scratch}/quarantine.parquet`;
      await engine.run(
        `COPY (${this.plan.quarantine(checked)}) TO ${duckdbDialect.stringLiteral(local)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      await store.publish(local, quarantineKey);
      return quarantineKey;
    });

    const deduped = this.table('deduped');
    await this.timed('dedupe', () => engine.run(`CREATE TEMP TABLE ${q(deduped)} AS ${this.plan.dedupe(checked)}`));
    const [dedupe] = await engine.query(
      `SELECT COUNT(*) AS distinct_lines, COUNT(*) FILTER (WHERE _rank = 1) AS kept,
         COUNT(*) FILTER (WHERE _rank = 1 AND _versions > 1) AS flagged FROM ${q(deduped)}`,
    );
    const distinctLines = Number(dedupe?.distinct_lines ?? 0);
    const processed = Number(dedupe?.kept ?? 0);
    const valid = counts.total - counts.quarantined;
    const exact = valid - distinctLines;
    const conflicting = distinctLines - processed;

    const { published, touched } = await this.timed('publish', () => this.publishClaims(deduped, scratch, processed));
    const flagged = Number(dedupe?.flagged ?? 0);
    const rules =
      flagged > 0 ? [...counts.rules, ...DEDUPE_RULES.map((r) => this.ruleCount(r, flagged))] : counts.rules;
    const report = this.report('SUCCEEDED', {
      total: counts.total,
      valid,
      errors: counts.quarantined,
      processed,
      exact,
      conflicting,
      rules,
      sha256,
      outputs: { processed: published, quarantine_rows: quarantineRows, quarantine_file: null, archive: archiveKey },
    });
    await store.writeText(`validation-reports/${this.options.jobId}.json`, `${JSON.stringify(report, null, 2)}\n`);
    return { jobId: this.options.jobId, inputFile: this.path, status: 'SUCCEEDED', report, touchedMonths: touched };
  }

  /** Writes the partitioned Parquet to scratch, then moves each file into place and drops this source's stale ones. */
  private async publishClaims(
    deduped: string,
    scratch: string,
    rows: number,
  ): Promise<{ published: string[]; touched: string[] }> {
    const { engine, store } = this.deps;
    const stagingKey = `temp/${this.options.jobId}/claims`;
    if (rows > 0) {
      await engine.run(
        `COPY (${this.plan.publish(deduped)}) TO ${duckdbDialect.stringLiteral(`${scratch}/claims`)}
         (FORMAT parquet, PARTITION_BY (year, month), FILENAME_PATTERN 'part_{i}', COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
      );
    }
    const published: string[] = [];
    const touched = new Set<string>();
    for (const key of await store.list(stagingKey)) {
      const partition = key.slice(stagingKey.length + 1).split('/');
      const [year, month, file] = partition;
      if (!year || !month || !file) continue;
      const target = `processed/claims/${year}/${month}/${this.sourceKey}-${file.replace(/^part_/, '')}`;
      await store.publish(store.locate(key), target);
      published.push(target);
      touched.add(monthOf(target));
    }
    const mine = new RegExp(`/${escapeRegExp(this.sourceKey)}-\\d+\\.parquet$`);
    for (const key of await store.list('processed/claims')) {
      if (mine.test(key) && !published.includes(key)) {
        await store.delete(key);
        touched.add(monthOf(key));
      }
    }
    return { published, touched: [...touched].sort() };
  }

  private async reject(error: ClaimFileError, sha256: string, archiveKey: string): Promise<FileJobResult> {
    const quarantineFile = `quarantine/files/${this.options.jobId}/${this.fileName}`;
    await this.deps.store.copyIn(this.path, quarantineFile);
    const rules = this.checked ? await this.ruleCounts(this.checked) : [];
    const fileRule = FILE_RULES.find((r) => r.id === error.ruleId);
    const report = this.report('FAILED', {
      total: 0,
      valid: 0,
      errors: 0,
      processed: 0,
      exact: 0,
      conflicting: 0,
      rules: fileRule ? [...rules, this.ruleCount(fileRule, 1)] : rules,
      sha256,
      outputs: { processed: [], quarantine_rows: null, quarantine_file: quarantineFile, archive: archiveKey },
      fileError: { rule_id: error.ruleId, reason: error.reason },
    });
    await this.deps.store.writeText(
      `validation-reports/${this.options.jobId}.json`,
      `${JSON.stringify(report, null, 2)}\n`,
    );
    return { jobId: this.options.jobId, inputFile: this.path, status: 'FAILED', report, touchedMonths: [] };
  }

  private report(
    status: JobStatus,
    r: {
      total: number;
      valid: number;
      errors: number;
      processed: number;
      exact: number;
      conflicting: number;
      rules: RuleCount[];
      sha256: string;
      outputs: ValidationReport['outputs'];
      fileError?: { rule_id: string; reason: string };
    },
  ): ValidationReport {
    const key = `validation-reports/${this.options.jobId}.json`;
    return {
      validation_status: status === 'SUCCEEDED' ? 'success' : 'failed',
      report_location: this.deps.store.locate(key),
      summary: { total_records: r.total, valid_records: r.valid, error_records: r.errors },
      job_id: this.options.jobId,
      input_file: this.fileName,
      file_sha256: r.sha256,
      format: this.format?.kind ?? null,
      started_at: this.startedAt.toISOString(),
      finished_at: this.deps.clock.now().toISOString(),
      processed_records: r.processed,
      duplicates_removed: { exact: r.exact, conflicting_key: r.conflicting, total: r.exact + r.conflicting },
      rules: r.rules,
      file_error: r.fileError ?? null,
      unknown_columns: this.unknownColumns,
      missing_optional_columns: this.missingOptional,
      outputs: r.outputs,
      timings_ms: this.timings,
    };
  }

  private async ruleCounts(checked: string): Promise<RuleCount[]> {
    const byId = new Map<string, Rule>(this.options.rules.map((r) => [r.id, r]));
    const rows = await this.deps.engine.query(this.plan.ruleCounts(checked));
    return rows.flatMap((row) => {
      const rule = byId.get(String(row.rule_id));
      return rule ? [this.ruleCount(rule, Number(row.row_count))] : [];
    });
  }

  private ruleCount(rule: Rule, rowCount: number): RuleCount {
    return {
      rule_id: rule.id,
      action: rule.action,
      severity: rule.severity,
      dimension: rule.dimension,
      row_count: rowCount,
    };
  }

  /** Any engine error while reading means the file itself cannot be read. */
  private async readOrHalt<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof ClaimFileError) throw error;
      throw this.halt('unreadable_file', describeReadError(error), error);
    }
  }

  private halt(ruleId: string, reason: string, cause?: unknown): ClaimFileError {
    return new ClaimFileError(this.fileName, ruleId, reason, { cause });
  }

  private table(stage: string): string {
    const name = `${stage}_${this.options.jobId.replaceAll('-', '_')}`;
    if (!this.tables.includes(name)) this.tables.push(name);
    return name;
  }

  private async timed<T>(stage: string, work: () => Promise<T>): Promise<T> {
    this.deps.onStage?.(stage);
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.timings[stage] = Math.round(performance.now() - started);
    }
  }

  private async cleanUp(): Promise<void> {
    for (const table of this.tables) await this.deps.engine.run(`DROP TABLE IF EXISTS ${q(table)}`);
    await this.deps.store.dropScratch(this.options.jobId);
  }
}

function monthOf(key: string): string {
  const match = /year=(\d{4})\/month=(\d{2})/.exec(key);
  return match ? `${match[1]}-${match[2]}` : 'unknown';
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Engine messages can quote the offending line, which may hold PHI: keep the first line only
 * and cut anything that echoes file content.
 */
function describeReadError(error: unknown): string {
  const first = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  return (
    first.replace(/(Original Line|Line:|value|string)\b.*$/i, '$1 …').slice(0, 300) || 'the file could not be read'
  );
}
