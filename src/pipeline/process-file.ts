import { existsSync } from 'node:fs';
import { mkdir, readdir, rename } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import {
  CANONICAL_COLUMNS,
  LINEAGE_COLUMNS,
  missingRequiredColumns,
  normalizeHeaderName,
} from '../domain/canonical-model.ts';
import { ClaimFileError } from '../domain/errors.ts';
import { DIMENSIONS, type QualityScore, scoreQuality } from '../domain/quality-score.ts';
import type { Rule, RuleDimension } from '../domain/rule.ts';
import { DEDUPE_RULES, FILE_RULES } from '../domain/rule-catalog.ts';
import { type ColumnMapping, type MapInput, type PlanSettings, StagePlan } from '../plan/compile-plan.ts';
import { duckdbDialect } from '../plan/duckdb-dialect.ts';
import {
  csvRelation,
  jsonField,
  jsonKeys,
  jsonRecords,
  jsonRelation,
  loadCsvRejects,
  numberedParquet,
  rejectsRelation,
  renumberedChecked,
} from '../plan/duckdb-ingest.ts';
import { detectFormat, type FileHead, type InputFormat } from './detect-format.ts';
import type { ObjectStore } from './object-store.ts';
import type { Clock, Engine, Logger } from './ports.ts';
import { renderHtmlReport } from './render-html-report.ts';
import { sourceKeyOf } from './source-key.ts';
import {
  type JobStatus,
  type RuleCount,
  type RuleSample,
  toRuleCount,
  type ValidationReport,
} from './validation-report.ts';

export interface FileJobDeps {
  readonly engine: Engine;
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The first bytes of a file, decompressed if it is gzip. */
  readonly readHead: (path: string) => Promise<FileHead>;
  /** SHA-256 of a file, for `validate`, which archives nothing. */
  readonly hashFile: (path: string) => Promise<string>;
  readonly onStage?: (stage: string) => void;
  /**
   * Serialises the moves into processed/ with other work that reads those files
   * (aggregations): a file replaced while DuckDB reads it in two opens reads as garbage.
   */
  readonly exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
}

export interface FileJobOptions {
  readonly jobId: string;
  readonly plan: PlanSettings;
  readonly skippedRules: ValidationReport['skipped_rules'];
  /** Largest share of quarantined rows before the whole file is rejected. */
  readonly errorRateThreshold: number;
  readonly dataSource: string;
  /** `validate` runs every check but writes nothing except the report. */
  readonly mode: 'run' | 'validate';
}

export interface FileJobResult {
  readonly jobId: string;
  readonly inputFile: string;
  readonly status: JobStatus;
  readonly report: ValidationReport;
  /** `YYYY-MM` partitions whose published files changed. */
  readonly touchedMonths: readonly string[];
}

/** Failing rows listed per rule in the report. */
const SAMPLES_PER_RULE = 20;
/** Up to this many months a file's claims are written month by month, beyond it partitioned in one pass. */
const MONTHS_WRITTEN_ONE_BY_ONE = 3;
/** Canonical columns the pipeline fills itself, so their absence from a file is not a gap. */
const PIPELINE_SET = new Set<string>(LINEAGE_COLUMNS);
const q = duckdbDialect.quoteIdent;
const lit = duckdbDialect.stringLiteral;

/** Runs the staged plan over one claim file and publishes its outputs. Never throws for bad data. */
export async function processFile(path: string, deps: FileJobDeps, options: FileJobOptions): Promise<FileJobResult> {
  return new FileJob(path, deps, options).run();
}

/** What the stages learn about a file, gathered into the report at the end. */
interface Findings {
  total: number;
  quarantined: number;
  processed: number;
  exact: number;
  conflicting: number;
  flagged: number;
  counts: Map<string, number>;
  samples: Map<string, RuleSample[]>;
  dimensionFailures: Record<RuleDimension, number> | null;
  fileError: { rule_id: string; reason: string } | null;
  outputs: ValidationReport['outputs'];
  touched: string[];
}

class FileJob {
  private readonly fileName: string;
  private readonly sourceKey: string;
  private readonly startedAt: Date;
  private readonly reportKey: string;
  private readonly timings: Record<string, number> = {};
  private readonly tables: string[] = [];
  /** The staged plan, compiled once the file's columns are known. */
  private plan!: StagePlan;
  private format: InputFormat | null = null;
  private unknownColumns: string[] = [];
  private missingOptional = 0;
  /** The job's scratch folder, where the engine writes its intermediate files. */
  private scratch = '';
  private readonly findings: Findings = {
    total: 0,
    quarantined: 0,
    processed: 0,
    exact: 0,
    conflicting: 0,
    flagged: 0,
    counts: new Map(),
    samples: new Map(),
    dimensionFailures: null,
    fileError: null,
    outputs: { processed: [], quarantine_rows: null, quarantine_file: null, archive: null },
    touched: [],
  };

  constructor(
    private readonly path: string,
    private readonly deps: FileJobDeps,
    private readonly options: FileJobOptions,
  ) {
    this.fileName = basename(path);
    this.sourceKey = sourceKeyOf(path);
    this.startedAt = deps.clock.now();
    this.reportKey = `validation-reports/${options.jobId}`;
  }

  async run(): Promise<FileJobResult> {
    const { logger } = this.deps;
    const { jobId, mode } = this.options;
    logger.info('job started', { job_id: jobId, file: this.fileName, mode });
    const sha256 = await this.timed('archive', () => this.archive());
    let status: JobStatus = 'SUCCEEDED';
    try {
      await this.validate();
      await this.deduplicate();
      if (mode === 'run') await this.publish();
    } catch (error) {
      if (!(error instanceof ClaimFileError)) throw error;
      status = 'FAILED';
      logger.warn('file rejected', { job_id: jobId, file: this.fileName, rule_id: error.ruleId });
      await this.reject(error);
    } finally {
      await this.cleanUp();
    }
    const report = this.report(status, sha256);
    await this.deps.store.writeText(`${this.reportKey}.json`, `${JSON.stringify(report, null, 2)}\n`);
    await this.deps.store.writeText(`${this.reportKey}.html`, renderHtmlReport(report));
    logger.info(status === 'SUCCEEDED' ? 'job succeeded' : 'job failed', { job_id: jobId, ...report.summary });
    return { jobId, inputFile: this.path, status, report, touchedMonths: this.findings.touched };
  }

  private async archive(): Promise<string> {
    if (this.options.mode === 'validate') return this.deps.hashFile(this.path);
    const key = `archive/${this.startedAt.toISOString().slice(0, 10)}/${this.options.jobId}/${this.fileName}`;
    this.findings.outputs = { ...this.findings.outputs, archive: key };
    return this.deps.store.copyIn(this.path, key);
  }

  /**
   * ingest, map, normalize, check in one streamed statement that writes the checked rows to a
   * Parquet file in scratch: memory stays flat however large the file, and every later stage
   * reads only the columns it needs from it.
   */
  private async validate(): Promise<void> {
    const head = await this.readOrHalt(() => this.deps.readHead(this.path));
    if (head.bytes.length === 0) throw this.halt('empty_file', 'the file is empty (0 bytes)');
    const detection = detectFormat(this.fileName, head.bytes);
    if (!detection.ok) throw this.halt('unreadable_file', detection.reason);
    this.format = detection.format;
    this.scratch = await this.deps.store.scratchDir(this.options.jobId);
    await this.check(detection.format, head.gzip);
    const checked = this.checked();
    const [row] = await this.deps.engine.query(
      `SELECT COUNT(*) AS total, COUNT(*) FILTER (WHERE len(dq_errors) > 0) AS quarantined FROM ${checked}`,
    );
    const f = this.findings;
    f.total = Number(row?.total ?? 0);
    f.quarantined = Number(row?.quarantined ?? 0);
    if (f.total === 0) throw this.halt('empty_file', 'the file has a header but no data rows');
    await this.measure(checked);
    const halting = this.options.plan.rules.find((r) => r.action === 'halt' && (f.counts.get(r.id) ?? 0) > 0);
    if (halting) {
      throw this.halt(halting.id, `${f.counts.get(halting.id)} row(s) broke a rule whose action is halt`);
    }
    const rate = f.quarantined / f.total;
    if (rate > this.options.errorRateThreshold) {
      throw this.halt(
        'error_rate_exceeded',
        `${f.quarantined} of ${f.total} rows (${(rate * 100).toFixed(2)}%) failed validation, over the threshold of ${(this.options.errorRateThreshold * 100).toFixed(2)}%`,
      );
    }
  }

  /**
   * Runs work whose output order does not matter (rows carry their source_row_number) without
   * DuckDB's insertion-order guarantee, which otherwise buffers out-of-order batches in memory.
   */
  private async unordered<T>(work: () => Promise<T>): Promise<T> {
    await this.deps.engine.run('SET preserve_insertion_order = false');
    try {
      return await work();
    } finally {
      await this.deps.engine.run('RESET preserve_insertion_order');
    }
  }

  /** The checked rows, as a relation later stages read. */
  private checked(): string {
    return `read_parquet(${lit(`${this.scratch}/checked.parquet`)})`;
  }

  private async writeScratch(select: string, file: string): Promise<void> {
    await this.deps.engine.run(
      `COPY (${select}) TO ${lit(`${this.scratch}/${file}`)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
    );
  }

  /** Reads the file as text, maps, normalises and checks it, writing checked.parquet. */
  private async check(format: InputFormat, gzip: boolean): Promise<void> {
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
    const mappedOf = (mapping: Pick<MapInput, 'mappings' | 'extras'>, source: string): string =>
      `(${this.plan.map({ ...mapping, ...common }, source)}) AS mapped`;
    // The text rows go to Parquet first, in file order, so the reader can number them and the
    // checks scan columnar data in parallel instead of re-parsing the file.
    const raw = numberedParquet(`${this.scratch}/raw.parquet`);
    let mapping: Pick<MapInput, 'mappings' | 'extras'>;
    let csv: { header: readonly string[]; rejectsRaw: string } | null = null;
    if (format.kind === 'csv') {
      mapping = this.mapColumns(format.header, q);
      csv = { header: format.header, rejectsRaw: this.table('csv_rejects_raw') };
      const read = {
        path: this.path,
        gzip,
        delimiter: format.delimiter,
        columns: csv.header,
        rejectsTable: csv.rejectsRaw,
      };
      await this.timed('ingest', () =>
        this.readOrHalt(() => this.writeScratch(`SELECT * FROM ${csvRelation(read)}`, 'raw.parquet')),
      );
    } else {
      const records = jsonRecords({ path: this.path, gzip }, format);
      await this.timed('ingest', () =>
        this.readOrHalt(() => this.writeScratch(`SELECT * FROM ${jsonRelation(records)}`, 'raw.parquet')),
      );
      mapping = this.mapColumns(
        (await engine.query(jsonKeys(raw))).map((r) => String(r.key)),
        jsonField,
      );
    }
    const checkOf = (source: string): string => this.plan.check(mappedOf(mapping, source), claimStats);
    let claimStats: string | undefined;
    await this.timed('check', async () => {
      // Claim-level facts first, into a small table, so the row checks stream past a tiny join.
      const stats = this.plan.claimStats(mappedOf(mapping, raw));
      if (stats) {
        claimStats = q(this.table('claim_stats'));
        await engine.run(`CREATE TEMP TABLE ${claimStats} AS ${stats}`);
      }
      await this.unordered(() => this.writeScratch(checkOf(raw), 'checked.parquet'));
    });
    if (!csv) return;
    const [rejected] = await engine.query(`SELECT COUNT(*) AS n FROM ${q(csv.rejectsRaw)}`);
    if (Number(rejected?.n ?? 0) === 0) return;
    // Rare: rows that did not split. Renumber the others past them and add them, checked.
    const rejects = this.table('csv_rejects');
    await engine.run(loadCsvRejects(rejects, csv.rejectsRaw));
    const checkedRejects = checkOf(rejectsRelation(rejects, csv.header));
    await this.writeScratch(
      renumberedChecked(this.checked(), rejects, checkedRejects, 'source_row_number'),
      'renumbered.parquet',
    );
    await rename(`${this.scratch}/renumbered.parquet`, `${this.scratch}/checked.parquet`);
  }

  /** Per-rule counts, sample rows and per-dimension failures of the checked rows. */
  private async measure(checked: string): Promise<void> {
    const { engine } = this.deps;
    const f = this.findings;
    for (const row of await engine.query(this.plan.ruleCounts(checked))) {
      f.counts.set(String(row.rule_id), Number(row.row_count));
    }
    for (const row of await engine.query(this.plan.ruleSamples(checked, SAMPLES_PER_RULE))) {
      const id = String(row.rule_id);
      const samples = f.samples.get(id) ?? [];
      samples.push({
        source_row_number: Number(row.source_row_number),
        claim_id: row.claim_id == null ? null : String(row.claim_id),
        claim_line_number: row.claim_line_number == null ? null : String(row.claim_line_number),
      });
      f.samples.set(id, samples);
    }
    const [failures] = await engine.query(this.plan.dimensionFailures(checked, DIMENSIONS));
    f.dimensionFailures = Object.fromEntries(DIMENSIONS.map((d) => [d, Number(failures?.[d] ?? 0)])) as Record<
      RuleDimension,
      number
    >;
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
    const missing = missingRequiredColumns(sourceNames);
    if (missing.length > 0) throw this.halt('missing_required_column', `the header lacks ${missing.join(', ')}`);
    this.plan = new StagePlan(duckdbDialect, this.options.plan, taken);
    this.unknownColumns = extras.map((e) => e.name);
    this.missingOptional = [...canonical].filter((c) => !taken.has(c) && !PIPELINE_SET.has(c)).length;
    return { mappings, extras };
  }

  /** dedupe: exact duplicates dropped, key duplicates resolved; counts of both. */
  private async deduplicate(): Promise<void> {
    const { engine } = this.deps;
    const duplicates = this.table('duplicates');
    await this.timed('dedupe', () =>
      engine.run(`CREATE TEMP TABLE ${q(duplicates)} AS ${this.plan.duplicates(this.checked())}`),
    );
    const [row] = await engine.query(
      `SELECT COALESCE(SUM(_copies), 0) AS repeated_rows, COUNT(*) AS distinct_lines,
         COUNT(*) FILTER (WHERE _rank = 1) AS kept, COUNT(*) FILTER (WHERE _rank = 1 AND _versions > 1) AS flagged
       FROM ${q(duplicates)}`,
    );
    const f = this.findings;
    const distinctLines = Number(row?.distinct_lines ?? 0);
    f.exact = Number(row?.repeated_rows ?? 0) - distinctLines;
    f.conflicting = distinctLines - Number(row?.kept ?? 0);
    f.flagged = Number(row?.flagged ?? 0);
    f.processed = f.total - f.quarantined - f.exact - f.conflicting;
  }

  /** route + publish: quarantine rows, then the partitioned claims. */
  private async publish(): Promise<void> {
    const { engine, store } = this.deps;
    const scratch = this.scratch;
    const quarantineKey = `quarantine/rows/${this.sourceKey}.parquet`;
    const quarantineRows = await this.timed('route', async () => {
      if (this.findings.quarantined === 0) {
        await store.delete(quarantineKey);
        return null;
      }
      const local = `${scratch}/quarantine.parquet`;
      await engine.run(
        `COPY (${this.plan.quarantine(this.checked())}) TO ${lit(local)} (FORMAT parquet, COMPRESSION zstd)`,
      );
      await store.publish(local, quarantineKey);
      return quarantineKey;
    });
    const { published, touched } = await this.timed('publish', () => this.publishClaims(scratch));
    this.findings.outputs = { ...this.findings.outputs, processed: published, quarantine_rows: quarantineRows };
    this.findings.touched = touched;
  }

  /** Writes the partitioned Parquet to scratch, then moves each file into place and drops this source's stale ones. */
  private async publishClaims(scratch: string): Promise<{ published: string[]; touched: string[] }> {
    const { engine } = this.deps;
    if (this.findings.processed > 0) {
      const rows = this.plan.publish(this.checked(), q(this.table('duplicates')));
      const options = 'FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880';
      const months = await engine.query(`SELECT DISTINCT year, month FROM (${rows}) ORDER BY year, month`);
      if (months.length > MONTHS_WRITTEN_ONE_BY_ONE) {
        await engine.run(
          `COPY (${rows}) TO ${lit(`${scratch}/claims`)} (${options}, PARTITION_BY (year, month), FILENAME_PATTERN 'part_{i}')`,
        );
      } else {
        // A feed usually spans a month or two: plain writes per month beat the partitioned writer.
        for (const { year, month } of months) {
          const dir = `${scratch}/claims/year=${year}/month=${month}`;
          await mkdir(dir, { recursive: true });
          await engine.run(
            `COPY (SELECT * EXCLUDE (year, month) FROM (${rows}) WHERE year = ${lit(String(year))} AND month = ${lit(String(month))})
             TO ${lit(`${dir}/part_0.parquet`)} (${options})`,
          );
        }
      }
    }
    const exclusive = this.deps.exclusive ?? ((work) => work());
    return exclusive(() => this.moveIntoPlace(`${scratch}/claims`));
  }

  private async moveIntoPlace(staging: string): Promise<{ published: string[]; touched: string[] }> {
    const { store } = this.deps;
    const published: string[] = [];
    const touched = new Set<string>();
    const written = existsSync(staging) ? await readdir(staging, { recursive: true }) : [];
    for (const relative of written.map((p) => p.split(sep).join('/')).sort()) {
      const [year, month, file] = relative.split('/');
      if (!year || !month || !file) continue;
      const target = `processed/claims/${year}/${month}/${this.sourceKey}-${file.replace(/^part_/, '')}`;
      await store.publish(join(staging, relative), target);
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

  private async reject(error: ClaimFileError): Promise<void> {
    this.findings.fileError = { rule_id: error.ruleId, reason: error.reason };
    if (this.options.mode === 'validate') return;
    const key = `quarantine/files/${this.options.jobId}/${this.fileName}`;
    await this.deps.store.copyIn(this.path, key);
    this.findings.outputs = { ...this.findings.outputs, quarantine_file: key };
  }

  private report(status: JobStatus, sha256: string): ValidationReport {
    const f = this.findings;
    const rejected = status === 'FAILED';
    const ruleCount = (rule: Rule, rowCount: number): RuleCount =>
      toRuleCount(rule, rowCount, f.samples.get(rule.id) ?? []);
    // A file rejected before its rows were checked lists only the rule that rejected it.
    const checked = f.dimensionFailures !== null;
    const rules = checked ? this.options.plan.rules.map((r) => ruleCount(r, f.counts.get(r.id) ?? 0)) : [];
    if (!rejected) rules.push(...DEDUPE_RULES.map((r) => ruleCount(r, f.flagged)));
    const fileRule = FILE_RULES.find((r) => r.id === f.fileError?.rule_id);
    if (fileRule) rules.push(ruleCount(fileRule, 1));
    const duplicates = f.exact + f.conflicting;
    const quality: QualityScore | null = f.dimensionFailures
      ? scoreQuality(f.total, { ...f.dimensionFailures, uniqueness: f.dimensionFailures.uniqueness + duplicates })
      : null;
    return {
      validation_status: rejected ? 'failed' : 'success',
      report_location: this.deps.store.locate(`${this.reportKey}.json`),
      html_report_location: this.deps.store.locate(`${this.reportKey}.html`),
      summary: rejected
        ? { total_records: f.total, valid_records: 0, error_records: f.total }
        : { total_records: f.total, valid_records: f.total - f.quarantined, error_records: f.quarantined },
      job_id: this.options.jobId,
      input_file: this.fileName,
      file_sha256: sha256,
      format: this.format?.kind ?? null,
      data_source: this.options.dataSource,
      started_at: this.startedAt.toISOString(),
      finished_at: this.deps.clock.now().toISOString(),
      processed_records: rejected || this.options.mode === 'validate' ? 0 : f.processed,
      duplicates_removed: rejected
        ? { exact: 0, conflicting_key: 0, total: 0 }
        : { exact: f.exact, conflicting_key: f.conflicting, total: duplicates },
      quality,
      rules,
      skipped_rules: this.options.skippedRules,
      file_error: f.fileError,
      unknown_columns: this.unknownColumns,
      missing_optional_columns: this.missingOptional,
      outputs: f.outputs,
      timings_ms: this.timings,
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
    this.deps.logger.info('stage', { job_id: this.options.jobId, stage });
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
