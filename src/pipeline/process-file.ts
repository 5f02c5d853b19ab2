import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { countMissingOptionalColumns, normalizeHeaderName } from '../domain/canonical-model.ts';
import { ClaimFileError } from '../domain/errors.ts';
import { globToRegExp } from '../domain/glob.ts';
import { BUILTIN_PROFILES } from '../domain/profiles/builtin-profiles.ts';
import { FILE_ROLES, ruleAppliesTo } from '../domain/profiles/file-roles.ts';
import { LayoutColumnsError } from '../domain/profiles/layout-columns-error.ts';
import type { Companion, FileRole, SourceLayout, SourceProfile } from '../domain/profiles/source-profile.ts';
import { DIMENSIONS } from '../domain/quality-score.ts';
import { describeError } from '../domain/redact.ts';
import type { ResolvedRules } from '../domain/resolve-rules.ts';
import type { RowRule, RuleDimension } from '../domain/rule.ts';
import {
  archiveKey,
  monthOf,
  ownClaimFiles,
  ownQuarantineFiles,
  PREFIXES,
  quarantineFileKey,
  quarantineRowsKey,
} from '../domain/store-layout.ts';
import { type HashSlice, type MapInput, type PlanSettings, StagePlan } from '../plan/compile-plan.ts';
import {
  type CompiledLayout,
  companionColumnsOf,
  companionTable,
  compileLayout,
  type LoadedCompanion,
  type SourceColumns,
} from '../plan/compile-profile.ts';
import { duckdbDialect } from '../plan/duckdb-dialect.ts';
import {
  csvRelation,
  type FileRead,
  jsonArrayRecords,
  jsonField,
  jsonKeys,
  jsonRelation,
  loadRejects,
  ndjsonLineRelation,
  ndjsonRows,
  numberedParquet,
  rejectsRelation,
  renumberedChecked,
} from '../plan/duckdb-ingest.ts';
import { buildValidationReport, writeValidationReport } from './build-report.ts';
import { detectFormat, type FileHead, type InputFormat } from './detect-format.ts';
import { judgeCheckedRows, judgeRowCount } from './file-verdict.ts';
import type { ObjectStore } from './object-store.ts';
import type { Clock, Engine, Logger } from './ports.ts';
import { dropStale } from './published-keys.ts';
import type { InputLimits } from './run-config.ts';
import { type ProfileChoice, type ProfileSelection, recordKindOf, selectProfile } from './select-profile.ts';
import { sourceKeyOf } from './source-key.ts';
import type { JobStatus, ProfileReport, RuleSample, ValidationReport } from './validation-report.ts';

export interface FileJobDeps {
  readonly engine: Engine;
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The first bytes of a file, decompressed if it is gzip. */
  readonly readHead: (path: string) => Promise<FileHead>;
  /** SHA-256 of a file, for `validate`, which archives nothing. */
  readonly hashFile: (path: string) => Promise<string>;
  /** The decompressed size of a gzip file, or null once it passes `limit` bytes (counted, not kept). */
  readonly countInflatedBytes: (path: string, limit: number) => Promise<number | null>;
  readonly onStage?: (stage: string) => void;
  /**
   * Serialises the moves into processed/ with other work that reads those files
   * (aggregations): a file replaced while DuckDB reads it in two opens reads as garbage.
   */
  readonly exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
  /** Converters of the record formats to canonical NDJSON (the x12-837 and fhir-eob profiles). */
  readonly convertRecords?: RecordConverters;
}

/** What a record converter reports: claims and lines written, and the claims it dropped (by position). */
export interface ConversionSummary {
  readonly claims: number;
  readonly lines: number;
  readonly errors: ReadonlyArray<{ readonly position: string; readonly segment?: string; readonly reason: string }>;
}

/** Writes a record file (X12, FHIR) as NDJSON of canonical lines. */
export type RecordConverter = (inputPath: string, outputPath: string) => Promise<ConversionSummary>;
export type RecordConverters = Readonly<Record<'x12' | 'fhir', RecordConverter>>;

export interface FileJobOptions {
  readonly jobId: string;
  readonly plan: PlanSettings;
  readonly skippedRules: ValidationReport['skipped_rules'];
  /** Largest share of quarantined rows before the whole file is rejected. */
  readonly errorRateThreshold: number;
  readonly dataSource: string;
  /** Bounds on record size and on how far a gzip file may inflate. */
  readonly limits: InputLimits;
  /** `validate` runs every check but writes nothing except the report. */
  readonly mode: 'run' | 'validate';
  /**
   * Names the outputs, so a later delivery of the same object replaces them; by default the
   * input path's. Needed where the path is a download that differs per job (S3 into scratch).
   */
  readonly sourceKey?: string;
  /** The profiles a file may take (default: the built-ins, detected from its content). */
  readonly profiles?: ProfileChoice;
  /** The rules with a profile's own overrides beneath the config's (default: `plan.rules`). */
  readonly rulesFor?: (profile: SourceProfile) => ResolvedRules;
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
/** Conversion errors listed in the report (all are counted). */
const CONVERSION_ERRORS_LISTED = 20;
const DETECTED_PROFILES: ProfileChoice = { catalog: BUILTIN_PROFILES, forced: null };
/** Up to this many months a file's claims are written month by month, beyond it partitioned in one pass. */
const MONTHS_WRITTEN_ONE_BY_ONE = 3;
/**
 * Rows per pass of the claim-level and dedupe GROUP BYs, whose state grows with the distinct keys:
 * at 50M lines one pass took RSS to 1.8-1.9 GB (1500MB limit); in slices of this size each pass
 * holds a fraction of the keys (1.2 GB). Smaller files take one pass.
 */
const ROWS_PER_GROUPING_PASS = 15_000_000;
const q = duckdbDialect.quoteIdent;
const lit = duckdbDialect.stringLiteral;

/** Runs the staged plan over one claim file and publishes its outputs. Never throws for bad data. */
export async function processFile(path: string, deps: FileJobDeps, options: FileJobOptions): Promise<FileJobResult> {
  return new FileJob(path, deps, options).run();
}

/**
 * The ingested rows: the file's columns, and for CSV and NDJSON the table of records the reader
 * could not read (with the source columns they stand in for, and the lines before the first row).
 */
interface Ingested {
  readonly source: SourceColumns;
  readonly rejects: {
    readonly table: string;
    readonly columns: readonly string[];
    readonly headerLines: 0 | 1;
  } | null;
  /** The numbered rows, as the stages read them. */
  readonly rows: string;
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
  private readonly timings: Record<string, number> = {};
  private readonly tables: string[] = [];
  /** The staged plan, compiled once the file's columns are known. */
  private plan!: StagePlan;
  private format: string | null = null;
  private unknownColumns: readonly string[] = [];
  private missingOptional = 0;
  private selection: Extract<ProfileSelection, { ok: true }> | null = null;
  /** The rules this file runs: the profile's overrides applied, narrowed to its role. */
  private rules: readonly RowRule[] = [];
  private skippedRules: ValidationReport['skipped_rules'];
  private companionsRead: Array<{ name: string; files: string[] }> = [];
  private sourceRecords: number | null = null;
  private conversion: ConversionSummary | null = null;
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
    this.sourceKey = options.sourceKey ?? sourceKeyOf(path);
    this.startedAt = deps.clock.now();
    this.skippedRules = options.skippedRules;
  }

  async run(): Promise<FileJobResult> {
    const { logger } = this.deps;
    const { jobId, mode } = this.options;
    logger.info('job started', { job_id: jobId, file: this.fileName, mode });
    // The kernel copies the input while the engine reads it; nothing is published before the copy is done.
    const archived = this.timed('archive', () => this.archive());
    // Awaited on every path below; this only keeps a failure from being reported as unhandled meanwhile.
    archived.catch(() => undefined);
    let status: JobStatus = 'SUCCEEDED';
    try {
      await this.validate();
      await archived;
      if (this.publishes()) {
        await this.deduplicate();
        if (mode === 'run') await this.publish();
      }
    } catch (error) {
      if (!(error instanceof ClaimFileError)) {
        // No copy outlives a failed job.
        await archived.catch(() => undefined);
        throw error;
      }
      status = 'FAILED';
      logger.warn('file rejected', { job_id: jobId, file: this.fileName, rule_id: error.ruleId });
      await this.reject(error);
    } finally {
      await this.cleanUp();
    }
    const report = this.report(status, await archived);
    await writeValidationReport(this.deps.store, report);
    logger.info(status === 'SUCCEEDED' ? 'job succeeded' : 'job failed', {
      job_id: jobId,
      ...report.summary,
      timings_ms: report.timings_ms,
    });
    return { jobId, inputFile: this.path, status, report, touchedMonths: this.findings.touched };
  }

  private async archive(): Promise<string> {
    if (this.options.mode === 'validate') return this.deps.hashFile(this.path);
    const key = archiveKey(this.startedAt, this.options.jobId, this.fileName);
    this.findings.outputs = { ...this.findings.outputs, archive: key };
    return this.deps.store.copyIn(this.path, key);
  }

  /**
   * Chooses the file's source profile, then ingest, map, normalize, check: streamed statements
   * that write the checked rows to a Parquet file in scratch, so memory stays flat however large
   * the file, and every later stage reads only the columns it needs from it.
   */
  private async validate(): Promise<void> {
    const head = await this.readOrHalt(() => this.deps.readHead(this.path));
    if (head.bytes.length === 0) throw this.halt('empty_file', 'the file is empty (0 bytes)');
    if (head.gzip) await this.timed('inflate', () => this.checkInflatedSize());
    const detection = detectFormat(this.fileName, head.bytes);
    if (!detection.ok) throw this.halt('unreadable_file', detection.reason);
    const { format } = detection;
    this.scratch = await this.deps.store.scratchDir(this.options.jobId);
    const recordKind = recordKindOf(head.bytes);
    // JSON keys come from every record, so tabular JSON is read before its profile is chosen.
    let ingested = !recordKind && format.kind !== 'csv' ? await this.ingest(this.path, format, head.gzip) : null;
    const columns = format.kind === 'csv' ? format.header : (ingested?.source.names ?? []);
    const choice = this.options.profiles ?? DETECTED_PROFILES;
    const { profile, layout } = this.chooseProfile(selectProfile({ recordKind, columns }, choice));
    this.format = profile.kind === 'tabular' ? format.kind : profile.kind;
    if (profile.kind !== 'tabular') {
      ingested = await this.ingest(await this.convert(profile.kind), { kind: 'ndjson' }, false);
    }
    ingested ??= await this.ingest(this.path, format, head.gzip);
    await this.check(layout, ingested);
    const checked = this.checked();
    const [row] = await this.timed('measure', () => this.deps.engine.query(this.plan.checkSummary(checked)));
    const f = this.findings;
    f.total = Number(row?.total ?? 0);
    f.quarantined = Number(row?.quarantined ?? 0);
    const empty = judgeRowCount(f.total);
    if (empty) throw this.halt(empty.rule_id, empty.reason);
    await this.timed('measure', () => this.measure(checked));
    const verdict = judgeCheckedRows(f, this.rules, this.options.errorRateThreshold);
    if (verdict) throw this.halt(verdict.rule_id, verdict.reason);
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

  /**
   * The file's profile and layout: the choice is logged and reported; the profile's rule
   * overrides and the layout's role decide the rules the file runs.
   */
  private chooseProfile(selection: ProfileSelection): { profile: SourceProfile; layout: SourceLayout } {
    if (!selection.ok) throw this.halt('missing_required_column', selection.reason);
    this.selection = selection;
    const { profile, layout } = selection;
    const resolved = this.options.rulesFor?.(profile) ?? {
      rules: this.options.plan.rules,
      skipped: this.options.skippedRules,
    };
    this.rules = resolved.rules.filter((r) => ruleAppliesTo(layout.role, r.id));
    this.skippedRules = resolved.skipped.filter((r) => ruleAppliesTo(layout.role, r.rule_id));
    this.deps.logger.info('profile selected', {
      job_id: this.options.jobId,
      file: this.fileName,
      profile: profile.name,
      layout: layout.id,
      role: layout.role,
      score: selection.score,
      selected_by: selection.selectedBy,
    });
    return { profile, layout };
  }

  /** Whether the file's rows are claim lines to dedupe and publish (eligibility and the like are not). */
  private publishes(): boolean {
    return FILE_ROLES[this.role()].published;
  }

  private role(): FileRole {
    return this.selection?.layout.role ?? 'claims';
  }

  /** A record file (X12, FHIR) converted to canonical NDJSON in scratch; dropped claims are reported. */
  private async convert(kind: 'x12' | 'fhir'): Promise<string> {
    const converter = this.deps.convertRecords?.[kind];
    if (!converter) throw new Error(`no ${kind} converter is wired into this pipeline`);
    const output = `${this.scratch}/records.ndjson`;
    const result = await this.timed('convert', () => this.readOrHalt(() => converter(this.path, output)));
    this.conversion = result;
    if (result.errors.length > 0) {
      this.deps.logger.warn('claims dropped in conversion', {
        job_id: this.options.jobId,
        file: this.fileName,
        errors: result.errors.length,
        first_position: result.errors[0]?.position,
      });
    }
    if (result.lines === 0) {
      const first = result.errors[0];
      throw first
        ? this.halt(
            'unreadable_file',
            `no claim could be read (${result.errors.length} error(s); first at ${first.position}: ${first.reason})`,
          )
        : this.halt('empty_file', `the file holds no ${kind === 'x12' ? 'claim (CLM)' : 'claim resource'}`);
    }
    return output;
  }

  /**
   * A gzip bomb is stopped here, inflated only up to the limit (and its output dropped), before
   * the engine or a converter reads it: one bounded pass instead of a disk or memory filled.
   */
  private async checkInflatedSize(): Promise<void> {
    const { max_decompressed_bytes: maxBytes, max_compression_ratio: maxRatio } = this.options.limits;
    const compressed = (await stat(this.path)).size;
    const limit = Math.min(maxBytes, Math.floor(compressed * maxRatio));
    if ((await this.deps.countInflatedBytes(this.path, limit)) !== null) return;
    throw this.halt(
      'decompression_limit_exceeded',
      `the gzip content inflates past ${limit} bytes (limits: ${maxBytes} bytes, ${maxRatio} times its ${compressed} compressed bytes); it was not read`,
    );
  }

  /**
   * ingest: the file's rows as text, in file order, to raw.parquet, so the Parquet reader can number
   * them and the checks scan columnar data in parallel instead of re-parsing the file. CSV records
   * and NDJSON lines the reader cannot read (ragged, too long, not UTF-8) are kept aside.
   */
  private async ingest(path: string, format: InputFormat, gzip: boolean): Promise<Ingested> {
    const { engine } = this.deps;
    const raw = `${this.scratch}/raw.parquet`;
    const read: FileRead = { path, gzip, maxRecordBytes: this.options.limits.max_record_bytes };
    return this.timed('ingest', async () => {
      if (format.kind === 'csv') {
        const rejects = { table: this.table('csv_rejects_raw'), columns: format.header, headerLines: 1 as const };
        const csv = { ...read, delimiter: format.delimiter, columns: format.header, rejectsTable: rejects.table };
        await this.readOrHalt(() => this.writeScratch(`SELECT * FROM ${csvRelation(csv)}`, 'raw.parquet'));
        const source = { names: format.header, expr: (name: string) => `src.${q(name)}` };
        return { source, rejects, rows: numberedParquet(raw) };
      }
      let rejects: Ingested['rejects'] = null;
      let rows = numberedParquet(raw);
      if (format.kind === 'ndjson') {
        rejects = { table: this.table('ndjson_rejects_raw'), columns: ['_record'], headerLines: 0 };
        const lines = ndjsonLineRelation({ ...read, rejectsTable: rejects.table });
        await this.readOrHalt(() => this.writeScratch(`SELECT * FROM ${lines}`, 'raw.parquet'));
        rows = ndjsonRows(rows);
      } else {
        const records = jsonRelation(jsonArrayRecords(read));
        await this.readOrHalt(() => this.writeScratch(`SELECT * FROM ${records}`, 'raw.parquet'));
      }
      const keys = await engine.query(jsonKeys(rows));
      return { source: { names: keys.map((r) => String(r.key)), expr: jsonField }, rejects, rows };
    });
  }

  /** map, normalise, check: the ingested rows through the layout, writing checked.parquet. */
  private async check(layout: SourceLayout, { source, rejects: unread, rows: raw }: Ingested): Promise<void> {
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
    const companions = layout.companions?.length
      ? await this.timed('companions', () => this.loadCompanions(layout))
      : [];
    const [rows] = await engine.query(`SELECT COUNT(*) AS n FROM ${raw}`);
    this.sourceRecords = Number(rows?.n ?? 0);
    const compiled = this.compile(layout, source, companions);
    const input: MapInput = { mappings: compiled.mappings, extras: compiled.extras, ...common };
    const mappedFrom = (rows: string): string => `(${this.plan.map(input, compiled.from(rows))}) AS mapped`;
    let mapped = mappedFrom(raw);
    if (compiled.reshapes) {
      // Filters, windows and joins run once, not once per stage that reads the mapped rows.
      await this.timed('map', () =>
        this.unordered(() => this.writeScratch(this.plan.map(input, compiled.from(raw)), 'mapped.parquet')),
      );
      mapped = `read_parquet(${lit(`${this.scratch}/mapped.parquet`)}) AS mapped`;
    }
    let claimStats: string | undefined;
    await this.timed('check', async () => {
      // Claim-level facts first, into a small table, so the row checks stream past a tiny join.
      const stats = (slice?: HashSlice): string | null => this.plan.claimStats(mapped, slice);
      if (stats()) {
        claimStats = q(this.table('claim_stats'));
        await this.groupInSlices(claimStats, (slice) => stats(slice) ?? '');
      }
      await this.unordered(() => this.writeScratch(this.plan.check(mapped, claimStats), 'checked.parquet'));
    });
    if (!unread) return;
    const [rejected] = await engine.query(`SELECT COUNT(*) AS n FROM ${q(unread.table)}`);
    if (Number(rejected?.n ?? 0) === 0) return;
    // Rare: records the reader could not read. Renumber the others past them and add them, checked.
    const rejects = this.table('rejects');
    await engine.run(loadRejects(rejects, unread.table, unread.headerLines));
    const [rejectedRecords] = await engine.query(`SELECT COUNT(*) AS n FROM ${q(rejects)}`);
    this.sourceRecords += Number(rejectedRecords?.n ?? 0);
    const checkedRejects = this.plan.check(mappedFrom(rejectsRelation(rejects, unread.columns)), claimStats);
    await this.writeScratch(
      renumberedChecked(this.checked(), rejects, checkedRejects, 'source_row_number'),
      'renumbered.parquet',
    );
    await rename(`${this.scratch}/renumbered.parquet`, `${this.scratch}/checked.parquet`);
  }

  /** A temp table of a GROUP BY's rows, grouped one hash slice of the keys at a time (see ROWS_PER_GROUPING_PASS). */
  private async groupInSlices(table: string, grouped: (slice: HashSlice) => string): Promise<void> {
    const of = Math.max(1, Math.ceil((this.sourceRecords ?? 0) / ROWS_PER_GROUPING_PASS));
    await this.deps.engine.run(`CREATE TEMP TABLE ${table} AS ${grouped({ of, index: 0 })}`);
    for (let index = 1; index < of; index++) {
      await this.deps.engine.run(`INSERT INTO ${table} ${grouped({ of, index })}`);
    }
  }

  /** The layout's SQL over the file's columns; the plan is built for the canonical columns it fills. */
  private compile(layout: SourceLayout, source: SourceColumns, companions: readonly LoadedCompanion[]): CompiledLayout {
    let compiled: CompiledLayout;
    try {
      compiled = compileLayout(layout, source, companions, duckdbDialect);
    } catch (error) {
      if (!(error instanceof LayoutColumnsError)) throw error;
      const name = `${this.selection?.profile.name}/${layout.id}`;
      throw this.halt(
        'missing_required_column',
        `the ${name} layout needs ${error.missing.join(', ')}, which the file lacks`,
      );
    }
    const present = new Set(compiled.mappings.map((m) => m.canonical));
    const missing = FILE_ROLES[layout.role].required.filter((c) => !present.has(c));
    if (missing.length > 0) throw this.halt('missing_required_column', `the header lacks ${missing.join(', ')}`);
    this.plan = new StagePlan(duckdbDialect, { ...this.options.plan, rules: this.rules }, present);
    this.unknownColumns = compiled.unknownColumns;
    this.missingOptional = this.publishes() ? countMissingOptionalColumns(present) : 0;
    return compiled;
  }

  /**
   * Each companion file found beside the input, as a temp table of one row per key. Every file a
   * glob matches is read (SynPUF has a beneficiary file per year); a companion whose files lack
   * its key column is left out, and so are its columns.
   */
  private async loadCompanions(layout: SourceLayout): Promise<LoadedCompanion[]> {
    const loaded: LoadedCompanion[] = [];
    for (const companion of layout.companions ?? []) {
      const reads = await this.companionReads(companion);
      const byName = new Map(reads.flatMap((r) => r.columns).map((c) => [normalizeHeaderName(c), c]));
      const key = byName.get(normalizeHeaderName(companion.key));
      if (!key) continue;
      const columns = companionColumnsOf(layout, companion.name)
        .map((c) => byName.get(normalizeHeaderName(c)))
        .filter((c): c is string => c !== undefined);
      const table = q(this.table(`companion_${companion.name}`));
      const maxRecordBytes = this.options.limits.max_record_bytes;
      const rows = reads
        .map((r) => `SELECT * FROM ${csvRelation({ ...r, maxRecordBytes })}`)
        .join(' UNION ALL BY NAME ');
      await this.readOrHalt(() =>
        this.deps.engine.run(
          `CREATE TEMP TABLE ${table} AS ${companionTable(key, columns, `(${rows})`, duckdbDialect)}`,
        ),
      );
      loaded.push({ companion, relation: table, columns });
      this.companionsRead.push({ name: companion.name, files: reads.map((r) => basename(r.path)) });
    }
    return loaded;
  }

  /** The CSV files beside the input that a companion's globs match (the input itself aside). */
  private async companionReads(
    companion: Companion,
  ): Promise<Array<{ path: string; gzip: boolean; delimiter: string; columns: readonly string[] }>> {
    const folder = dirname(this.path);
    const globs = companion.files.map((g) => globToRegExp(g, 'i'));
    const names = await readdir(folder).catch(() => [] as string[]);
    const reads = [];
    for (const name of names.filter((n) => n !== this.fileName && globs.some((g) => g.test(n))).sort()) {
      const path = join(folder, name);
      const head = await this.readOrHalt(() => this.deps.readHead(path));
      const detection = detectFormat(name, head.bytes);
      if (!detection.ok || detection.format.kind !== 'csv') continue;
      const { delimiter, header } = detection.format;
      reads.push({ path, gzip: head.gzip, delimiter, columns: header });
    }
    return reads;
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

  /** dedupe: exact duplicates dropped, key duplicates resolved; counts of both. */
  private async deduplicate(): Promise<void> {
    const { engine } = this.deps;
    const duplicates = this.table('duplicates');
    await this.timed('dedupe', async () => {
      const repeated = q(this.table('repeated_keys'));
      await this.groupInSlices(repeated, (slice) => this.plan.repeatedKeys(this.checked(), slice));
      await engine.run(`CREATE TEMP TABLE ${q(duplicates)} AS ${this.plan.duplicates(this.checked(), repeated)}`);
    });
    const [row] = await engine.query(this.plan.duplicateCounts(q(duplicates)));
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
    const quarantineKey = quarantineRowsKey(this.sourceKey);
    const quarantineRows = await this.timed('route', async () => {
      const written = this.findings.quarantined === 0 ? null : quarantineKey;
      if (written) {
        const local = `${scratch}/quarantine.parquet`;
        await engine.run(
          `COPY (${this.plan.quarantine(this.checked())}) TO ${lit(local)} (FORMAT parquet, COMPRESSION zstd)`,
        );
        await store.publish(local, written);
      }
      await dropStale(store, PREFIXES.quarantineRows, ownQuarantineFiles(this.sourceKey), written ? [written] : []);
      return written;
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
      const target = `${PREFIXES.processedClaims}${year}/${month}/${this.sourceKey}-${file.replace(/^part_/, '')}`;
      await store.publish(join(staging, relative), target);
      published.push(target);
      touched.add(monthOf(target));
    }
    for (const key of await dropStale(store, PREFIXES.processedClaims, ownClaimFiles(this.sourceKey), published)) {
      touched.add(monthOf(key));
    }
    return { published, touched: [...touched].sort() };
  }

  private async reject(error: ClaimFileError): Promise<void> {
    this.findings.fileError = { rule_id: error.ruleId, reason: error.reason };
    if (this.options.mode === 'validate') return;
    const key = quarantineFileKey(this.options.jobId, this.fileName);
    await this.deps.store.copyIn(this.path, key);
    this.findings.outputs = { ...this.findings.outputs, quarantine_file: key };
  }

  private report(status: JobStatus, sha256: string): ValidationReport {
    return buildValidationReport(
      {
        status,
        mode: this.options.mode,
        publishes: this.publishes(),
        rules: this.rules,
        jobId: this.options.jobId,
        inputFile: this.fileName,
        sha256,
        format: this.format,
        profile: this.profileReport(),
        dataSource: this.options.dataSource,
        startedAt: this.startedAt,
        finishedAt: this.deps.clock.now(),
        skippedRules: this.skippedRules,
        unknownColumns: this.unknownColumns,
        missingOptionalColumns: this.missingOptional,
        timings: this.timings,
        locate: (key) => this.deps.store.locate(key),
      },
      this.findings,
    );
  }

  /** Which profile read the file and how: null when it was rejected before one was chosen. */
  private profileReport(): ProfileReport | null {
    const selection = this.selection;
    if (!selection) return null;
    const { profile, layout } = selection;
    const chosen = (t: { profile: string; layout: string }): boolean =>
      t.profile === profile.name && t.layout === layout.id;
    return {
      name: profile.name,
      layout: layout.id,
      role: layout.role,
      published: FILE_ROLES[layout.role].published,
      selected_by: selection.selectedBy,
      score: selection.score,
      also_fitting: selection.tried
        .filter((t) => t.score > 0 && !chosen(t))
        .map(({ profile: name, layout: id, score }) => ({ profile: name, layout: id, score })),
      companions: this.companionsRead,
      source_records: this.sourceRecords,
      conversion: this.conversion && {
        claims: this.conversion.claims,
        lines: this.conversion.lines,
        error_count: this.conversion.errors.length,
        errors: this.conversion.errors.slice(0, CONVERSION_ERRORS_LISTED),
      },
    };
  }

  /** Any engine error while reading means the file itself cannot be read. */
  private async readOrHalt<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof ClaimFileError) throw error;
      throw this.halt('unreadable_file', describeError(error), error);
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
      // A stage run in parts (measure) adds up.
      this.timings[stage] = (this.timings[stage] ?? 0) + Math.round(performance.now() - started);
    }
  }

  private async cleanUp(): Promise<void> {
    for (const table of this.tables) await this.deps.engine.run(`DROP TABLE IF EXISTS ${q(table)}`);
    await this.deps.store.dropScratch(this.options.jobId);
  }
}
