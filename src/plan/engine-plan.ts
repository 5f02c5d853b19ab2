import { missingRequiredColumns } from '../domain/canonical-model.ts';
import type { CodeSetName } from '../domain/code-sets.ts';
import { detectFormat, type FileHead } from '../domain/detect-format.ts';
import { ClaimFileError, ClaimflowError } from '../domain/errors.ts';
import { headColumns } from '../domain/head-columns.ts';
import { specOfLayout } from '../domain/profiles/file-roles.ts';
import { LayoutColumnsError } from '../domain/profiles/layout-columns-error.ts';
import type { Companion, SourceLayout } from '../domain/profiles/source-profile.ts';
import { DIMENSIONS } from '../domain/quality-score.ts';
import type { SqlDialect } from '../domain/sql-dialect.ts';
import { tempKey } from '../domain/store-layout.ts';
import { MEDICAL_CLAIM_TABLE } from '../domain/tables/tables.ts';
import { compileAggregationByMonth } from './compile-aggregation.ts';
import { codeSetRelation, compileCodeSet } from './compile-code-set.ts';
import { type MapInput, type PlanSettings, SAMPLES_PER_RULE, StagePlan } from './compile-plan.ts';
import { type CompiledLayout, companionTable, compileLayout, type LoadedCompanion } from './compile-profile.ts';
import { mapSourceColumns } from './map-columns.ts';
import { positionalColumn, positionalColumnOf, positionalColumns } from './source-columns.ts';

/** 2: the input's columns are registered under `input.view_columns` (by position), not their names in the file. */
export const ENGINE_PLAN_VERSION = 2;
/** The name the input rows are registered under: text columns (`input.view_columns`) plus `_row_number`, `_raw_line`, `_ingest_error`. */
export const INPUT_VIEW = 'source_rows';

export interface EngineOutput {
  /** Where the engine writes: a folder of part files. */
  readonly path: string;
  readonly format: 'parquet' | 'json';
  readonly partition_by?: readonly string[];
}

/** One SELECT; its result is a view named `name` that later statements read, and written when it has an output. */
export interface EngineStatement {
  readonly name: string;
  readonly sql: string;
  /** Read by several later statements: computed once and kept (the Spark runner writes it to `scratch` and reads it back). */
  readonly persist?: boolean;
  readonly output?: EngineOutput;
}

/** The staged plan of one file for an engine outside this process (Spark on Glue), as JSON. */
export interface EnginePlan {
  readonly version: typeof ENGINE_PLAN_VERSION;
  readonly dialect: SqlDialect['name'];
  readonly job_id: string;
  readonly input_file: string;
  readonly input: {
    readonly view: string;
    readonly path: string;
    readonly format: 'csv' | 'json' | 'ndjson';
    /** How the head looked; an engine that decompresses by name must see a `.gz` name. */
    readonly compression: 'gzip' | 'none';
    /** CSV only. */
    readonly delimiter: string | null;
    /** Source columns to read, all as text, in this order (CSV: the header; JSON: the keys its head shows). */
    readonly columns: readonly string[];
    /**
     * The name each of `columns` has in the view, by position (`col_1`, `col_2`, ...): the plan's
     * SQL never names a column as the file does, so no header or key meets another or an internal column.
     */
    readonly view_columns: readonly string[];
  };
  /** Reference-list files to register as views (CSV with a header, read as text): view name -> path. */
  readonly code_sets: Readonly<Record<string, string>>;
  /** Engine session settings the dialect's SQL relies on. */
  readonly settings: Readonly<Record<string, string>>;
  /**
   * Companion files of the source profile (SynPUF beneficiaries, Tuva eligibility) to register as
   * views: CSV with a header, read as text, its columns named by position (`col_1`, ...).
   */
  readonly companion_files: Readonly<Record<string, EngineCsvFile>>;
  readonly statements: readonly EngineStatement[];
  /** A folder for the engine's own intermediate files (the numbered input), under `temp/<job_id>/`. */
  readonly scratch: string;
}

/** A CSV file the engine reads as text columns. */
export interface EngineCsvFile {
  readonly path: string;
  readonly compression: 'gzip' | 'none';
  readonly delimiter: string;
  readonly columns: readonly string[];
}

/** A source profile's layout for the plan (default: columns matched to the canonical model by name). */
export interface EnginePlanLayout {
  readonly profileName: string;
  readonly layout: SourceLayout;
  /** Companion files found beside the input, with the companion columns the layout reads. */
  readonly companions: ReadonlyArray<{
    readonly companion: Companion;
    /** The companion columns the layout reads (names as in the files). */
    readonly columns: readonly string[];
    /** Each file, with the position in its header of the key and of each of `columns`, or null where it lacks one. */
    readonly files: ReadonlyArray<{
      readonly path: string;
      readonly gzip: boolean;
      readonly delimiter: string;
      readonly columns: readonly string[];
      readonly select: ReadonlyArray<number | null>;
    }>;
  }>;
}

/** What the plan reads of a file's settings; the pipeline's FileSettings carries more. */
export interface EnginePlanSettings {
  readonly plan: PlanSettings;
  readonly dataSource: string;
}

export interface EnginePlanRequest {
  readonly dialect: SqlDialect;
  readonly jobId: string;
  readonly fileName: string;
  /** Where the engine reads the file. */
  readonly inputPath: string;
  readonly head: FileHead;
  readonly settings: EnginePlanSettings;
  readonly ingestDatetime: string;
  /** Where the engine reads each reference list the rules need. */
  readonly codeSetFiles: ReadonlyMap<CodeSetName, string>;
  /** Where the engine writes a key of the store layout (`temp/<job_id>/...`). */
  readonly locate: (key: string) => string;
  /** The layout of the file's source profile; without one, columns are matched by canonical name. */
  readonly layout?: EnginePlanLayout;
}

/** A plan, and what mapping the file's columns learnt: the columns left unknown, the canonical ones filled. */
export interface CompiledEnginePlan {
  readonly plan: EnginePlan;
  readonly unknownColumns: readonly string[];
  readonly present: ReadonlySet<string>;
}

/** The rules ask for a reference list that was not given a file: the settings and the files disagree. */
export class MissingCodeSetError extends ClaimflowError {
  readonly code = 'missing_code_set';
  constructor(readonly set: CodeSetName) {
    super(`the rules need the ${set} reference list, which has no file`);
  }
}

/** Where a job's plan is kept: in its scratch prefix, beside the engine's outputs. */
export const enginePlanKey = (jobId: string): string => tempKey(jobId, 'plan.json');

/**
 * Every stage of one file as named statements: map and check (with claim stats), the report's
 * counts, quarantine, dedupe, the publishable claims (partitioned by year and month) and this
 * file's monthly aggregations. The engine computes them all; deciding from `summary` and
 * `rule_counts` whether the file is rejected whole is left to whoever publishes the outputs.
 * Throws ClaimFileError for a file that cannot be planned (empty, unreadable, missing columns).
 */
export function buildEnginePlan(request: EnginePlanRequest): EnginePlan {
  return compileEnginePlan(request).plan;
}

/** `buildEnginePlan`, with what mapping the file's columns learnt. */
export function compileEnginePlan(request: EnginePlanRequest): CompiledEnginePlan {
  const { dialect: sql, fileName, head, jobId } = request;
  if (head.bytes.length === 0) throw new ClaimFileError(fileName, 'empty_file', 'the file is empty (0 bytes)');
  const detection = detectFormat(fileName, head.bytes);
  if (!detection.ok) throw new ClaimFileError(fileName, 'unreadable_file', detection.reason);
  const format = detection.format;
  const columns = headColumns(format, head.bytes);
  const companionFiles: Record<string, EngineCsvFile> = {};
  const companionStatements: EngineStatement[] = [];
  const viewColumns = positionalColumns(columns);
  const { mappings, extras, present, from, reshapes, unknownColumns, numberFormats } = request.layout
    ? mapLayout(request, request.layout, columns, viewColumns, companionFiles, companionStatements)
    : mapByName(fileName, columns, viewColumns, sql);
  const planSettings = { ...request.settings.plan, codeSetRelation };
  const table = request.layout ? specOfLayout(request.layout.layout).table : MEDICAL_CLAIM_TABLE;
  const plan = new StagePlan(sql, planSettings, present, numberFormats, table);
  const output = (name: string, format: EngineOutput['format'], partitionBy?: readonly string[]): EngineOutput => ({
    path: request.locate(tempKey(jobId, name)),
    format,
    ...(partitionBy ? { partition_by: partitionBy } : {}),
  });

  const codeSets: Record<string, string> = {};
  const statements: EngineStatement[] = [];
  for (const set of new Set(planSettings.rules.flatMap((r) => (r.requires ? [r.requires] : [])))) {
    const file = request.codeSetFiles.get(set);
    if (!file) throw new MissingCodeSetError(set);
    const source = `refdata_${set}`;
    codeSets[source] = file;
    statements.push({ name: codeSetRelation(set), sql: compileCodeSet(sql, set, source), persist: true });
  }
  // The records read, before a layout filters, merges or unpivots them (the report's source records).
  statements.push({
    name: 'ingested',
    sql: `SELECT COUNT(*) AS source_rows FROM ${INPUT_VIEW}`,
    output: output('ingested', 'json'),
  });
  statements.push(...companionStatements);
  const mapped = plan.map(
    {
      mappings,
      extras,
      lineage: {
        jobId,
        fileName,
        ingestDatetime: request.ingestDatetime,
        dataSource: request.settings.dataSource,
      },
      rowNumberExpr: '_row_number',
      ingestErrorExpr: '_ingest_error',
      rawLineExpr: '_raw_line',
    },
    from,
  );
  // Filters, windows and joins of a layout run once, not once per statement that reads the rows.
  statements.push({ name: 'mapped', sql: mapped, ...(reshapes ? { persist: true } : {}) });
  const claimStats = plan.claimStats('mapped');
  if (claimStats) statements.push({ name: 'claim_stats', sql: claimStats, persist: true });
  const unknownCodes = plan.unknownCodes('mapped');
  if (unknownCodes) {
    statements.push(
      { name: 'unknown_codes', sql: unknownCodes, persist: true },
      { name: 'unknown_code_lines', sql: plan.unknownCodeLines('mapped', 'unknown_codes'), persist: true },
    );
  }
  const lookups = {
    ...(claimStats ? { claimStats: 'claim_stats' } : {}),
    ...(unknownCodes ? { unknownCodeLines: 'unknown_code_lines' } : {}),
  };
  statements.push(
    { name: 'checked', sql: plan.check('mapped', lookups), persist: true },
    { name: 'summary', sql: plan.checkSummary('checked'), output: output('summary', 'json') },
    { name: 'rule_counts', sql: plan.ruleCounts('checked'), output: output('rule_counts', 'json') },
    {
      name: 'rule_samples',
      sql: plan.ruleSamples('checked', SAMPLES_PER_RULE),
      output: output('rule_samples', 'json'),
    },
    {
      name: 'dimension_failures',
      sql: plan.dimensionFailures('checked', DIMENSIONS),
      output: output('dimension_failures', 'json'),
    },
    { name: 'quarantine', sql: plan.quarantine('checked'), output: output('quarantine', 'parquet') },
    { name: 'duplicates', sql: plan.duplicates('checked'), persist: true },
    { name: 'duplicate_counts', sql: plan.duplicateCounts('duplicates'), output: output('duplicate_counts', 'json') },
    {
      name: 'claims',
      sql: plan.publish('checked', 'duplicates'),
      persist: true,
      output: output('claims', 'parquet', ['year', 'month']),
    },
    ...table.monthlyAggregations.map((a) => ({
      name: `aggregation_${a.name}`,
      sql: compileAggregationByMonth(sql, a, `(${plan.withCanonicalColumns('claims')}) AS claims`),
      output: output(`aggregations/${a.name}`, 'parquet'),
    })),
  );

  const enginePlan: EnginePlan = {
    version: ENGINE_PLAN_VERSION,
    dialect: sql.name,
    job_id: jobId,
    input_file: fileName,
    input: {
      view: INPUT_VIEW,
      path: request.inputPath,
      format: format.kind === 'csv' ? 'csv' : format.kind === 'json-array' ? 'json' : 'ndjson',
      compression: head.gzip ? 'gzip' : 'none',
      delimiter: format.kind === 'csv' ? format.delimiter : null,
      columns,
      view_columns: [...viewColumns.values()],
    },
    code_sets: codeSets,
    companion_files: companionFiles,
    settings: sql.sessionSettings,
    statements,
    scratch: request.locate(tempKey(jobId, 'scratch')),
  };
  return { plan: enginePlan, unknownColumns, present };
}

interface PlanMapping extends Pick<MapInput, 'mappings' | 'extras'> {
  readonly present: ReadonlySet<string>;
  readonly numberFormats: CompiledLayout['numberFormats'];
  /** The FROM clause of the map statement. */
  readonly from: string;
  readonly reshapes: boolean;
  readonly unknownColumns: readonly string[];
}

/** The file's columns onto the canonical model by name; a claim file lacking a required one is rejected. */
function mapByName(
  fileName: string,
  columns: readonly string[],
  viewColumns: ReadonlyMap<string, string>,
  sql: SqlDialect,
): PlanMapping {
  const missing = missingRequiredColumns(columns);
  if (missing.length > 0) {
    throw new ClaimFileError(fileName, 'missing_required_column', `the header lacks ${missing.join(', ')}`);
  }
  const { mappings, extras, present } = mapSourceColumns(columns, (name) =>
    sql.quoteIdent(positionalColumnOf(viewColumns, name)),
  );
  const unknownColumns = extras.map((e) => e.name);
  return { mappings, extras, present, from: INPUT_VIEW, reshapes: false, unknownColumns, numberFormats: new Map() };
}

/**
 * The file's columns through its profile's layout (renames, filters, merges, unpivots, companion
 * joins), as the DuckDB job compiles it. Each companion's files become views and one statement of
 * a row per key. A file lacking a column the layout or its role requires is rejected.
 */
function mapLayout(
  request: EnginePlanRequest,
  { profileName, layout, companions }: EnginePlanLayout,
  columns: readonly string[],
  viewColumns: ReadonlyMap<string, string>,
  companionFiles: Record<string, EngineCsvFile>,
  statements: EngineStatement[],
): PlanMapping {
  const { dialect: sql, fileName } = request;
  const q = sql.quoteIdent;
  const loaded: LoadedCompanion[] = companions.map(({ companion, columns: wanted, files }) => {
    // Each file's columns by position; the key, then each wanted column, picked by its position.
    const views = files.map((file, i) => {
      const view = `companion_${companion.name}_file_${i}`;
      companionFiles[view] = {
        path: file.path,
        compression: file.gzip ? 'gzip' : 'none',
        delimiter: file.delimiter,
        columns: file.columns.map((_, c) => positionalColumn(c)),
      };
      const picked = file.select.map((at, c) =>
        at === null
          ? `CAST(NULL AS ${sql.textType}) AS ${q(positionalColumn(c))}`
          : `${q(positionalColumn(at))} AS ${q(positionalColumn(c))}`,
      );
      return `SELECT ${picked.join(', ')} FROM ${q(view)}`;
    });
    const [key = '', ...values] = [companion.key, ...wanted].map((_, c) => positionalColumn(c));
    const name = `companion_${companion.name}`;
    statements.push({ name, sql: companionTable(key, values, `(${views.join(' UNION ALL ')})`, sql), persist: true });
    return { companion, relation: q(name), columns: wanted };
  });
  let compiled: CompiledLayout;
  try {
    const source = { names: columns, expr: (name: string) => `src.${q(positionalColumnOf(viewColumns, name))}` };
    compiled = compileLayout(layout, source, loaded, sql, fileName);
  } catch (error) {
    if (!(error instanceof LayoutColumnsError)) throw error;
    throw new ClaimFileError(
      fileName,
      'missing_required_column',
      `the ${profileName}/${layout.id} layout needs ${error.missing.join(', ')}, which the file lacks`,
    );
  }
  const present = new Set(compiled.mappings.map((m) => m.canonical));
  const missing = specOfLayout(layout).required.filter((c) => !present.has(c));
  if (missing.length > 0) {
    throw new ClaimFileError(fileName, 'missing_required_column', `the header lacks ${missing.join(', ')}`);
  }
  return {
    mappings: compiled.mappings,
    extras: compiled.extras,
    present,
    from: compiled.from(INPUT_VIEW),
    reshapes: compiled.reshapes,
    unknownColumns: compiled.unknownColumns,
    numberFormats: compiled.numberFormats,
  };
}
