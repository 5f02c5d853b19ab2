import { AGGREGATIONS } from '../domain/aggregations.ts';
import { missingRequiredColumns } from '../domain/canonical-model.ts';
import type { CodeSetName } from '../domain/code-sets.ts';
import { detectFormat, type FileHead } from '../domain/detect-format.ts';
import { ClaimFileError, ClaimflowError } from '../domain/errors.ts';
import { headColumns } from '../domain/head-columns.ts';
import { DIMENSIONS } from '../domain/quality-score.ts';
import type { SqlDialect } from '../domain/sql-dialect.ts';
import { tempKey } from '../domain/store-layout.ts';
import { compileAggregationByMonth } from './compile-aggregation.ts';
import { codeSetRelation, compileCodeSet } from './compile-code-set.ts';
import { type PlanSettings, SAMPLES_PER_RULE, StagePlan } from './compile-plan.ts';
import { mapSourceColumns } from './map-columns.ts';
import { positionalColumnOf, positionalColumns } from './source-columns.ts';

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
  /** Read by several later statements: computed once and kept (memory, then disk). */
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
  readonly statements: readonly EngineStatement[];
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
  const { dialect: sql, fileName, head, jobId } = request;
  if (head.bytes.length === 0) throw new ClaimFileError(fileName, 'empty_file', 'the file is empty (0 bytes)');
  const detection = detectFormat(fileName, head.bytes);
  if (!detection.ok) throw new ClaimFileError(fileName, 'unreadable_file', detection.reason);
  const format = detection.format;
  const columns = headColumns(format, head.bytes);
  const missing = missingRequiredColumns(columns);
  if (missing.length > 0) {
    throw new ClaimFileError(fileName, 'missing_required_column', `the header lacks ${missing.join(', ')}`);
  }
  const viewColumns = positionalColumns(columns);
  const { mappings, extras, present } = mapSourceColumns(columns, (name) =>
    sql.quoteIdent(positionalColumnOf(viewColumns, name)),
  );
  const planSettings = { ...request.settings.plan, codeSetRelation };
  const plan = new StagePlan(sql, planSettings, present);
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
    INPUT_VIEW,
  );
  statements.push({ name: 'mapped', sql: mapped });
  const claimStats = plan.claimStats('mapped');
  if (claimStats) statements.push({ name: 'claim_stats', sql: claimStats, persist: true });
  statements.push(
    { name: 'checked', sql: plan.check('mapped', claimStats ? 'claim_stats' : undefined), persist: true },
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
    ...AGGREGATIONS.map((a) => ({
      name: `aggregation_${a.name}`,
      sql: compileAggregationByMonth(sql, a, 'claims'),
      output: output(`aggregations/${a.name}`, 'parquet'),
    })),
  );

  return {
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
    settings: sql.sessionSettings,
    statements,
  };
}
