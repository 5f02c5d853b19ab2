import { basename } from 'node:path';
import { processFile } from './file-job/file-job.ts';
import type { FileJobResult, RecordConverters } from './file-job/file-job-options.ts';
import { processFileOnSpark, type SparkEngine } from './file-job/spark-file-job.ts';
import type { StageGauge } from './file-job/stage-timer.ts';
import type { FileSettings } from './file-settings.ts';
import type { ObjectStore } from './object-store.ts';
import type { Clock, Engine, InputFiles, Logger } from './ports.ts';
import { publishAggregations } from './publish-aggregations.ts';
import { isCounted } from './run-signals.ts';

export interface RunDeps {
  readonly engine: Engine;
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly files: InputFiles;
  readonly nextJobId: (at: Date) => string;
  readonly refreshWarehouse: () => Promise<void>;
  /** Record-format converters handed to each file job (X12, FHIR). */
  readonly convertRecords?: RecordConverters;
  /** Progress: which file of how many is in which stage ('done' when it is finished). */
  readonly onProgress?: (progress: RunProgress) => void;
  /** Runs each file's plan on Spark instead of the engine (aggregations and the warehouse stay on it). */
  readonly spark?: SparkEngine;
}

/** Which file of how many is in which stage, and how far that stage is; `rows` once it is done. */
export interface RunProgress {
  readonly file: string;
  readonly index: number;
  readonly total: number;
  readonly stage: string;
  readonly rows?: number;
  /** Read while the stage runs (see StageGauge); absent once the file is done. */
  readonly gauge?: () => StageGauge;
}

export interface RunOptions {
  readonly files: readonly string[];
  readonly mode: 'run' | 'validate';
  readonly settingsFor: (file: string) => FileSettings;
}

export interface FileOutcome {
  readonly file: string;
  readonly job_id: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** 'data' when the file was rejected by a rule; 'system' when the pipeline itself failed. */
  readonly failure: 'data' | 'system' | null;
  /** Why it failed (`<rule id>: <reason>`, or the system error), without the file's name. */
  readonly message: string | null;
  readonly report: FileJobResult['report'] | null;
}

/** Rows in = processed + quarantined + duplicates removed, over the files counted. */
export interface RunTotals {
  readonly input_rows: number;
  readonly valid_rows: number;
  readonly processed_rows: number;
  readonly quarantined_rows: number;
  readonly duplicates_removed: number;
}

export interface RunSummary {
  readonly files: readonly FileOutcome[];
  readonly totals: RunTotals;
  /** The same totals per published table (medical_claim, pharmacy_claim, eligibility...). */
  readonly totals_by_table: Readonly<Record<string, RunTotals>>;
  /** Companion files (members, pharmacy...): their rows are checked but not published, so not in `totals`. */
  readonly not_counted: { readonly files: readonly string[]; readonly rows: number };
  readonly aggregations: readonly string[];
  readonly elapsed_ms: number;
}

/** Runs every file through the plan, then refreshes aggregations and the warehouse once. */
export async function runPipeline(deps: RunDeps, options: RunOptions): Promise<RunSummary> {
  const started = performance.now();
  const outcomes: FileOutcome[] = [];
  const months = new Set<string>();
  for (const [index, file] of options.files.entries()) {
    const onStage = (stage: string, gauge: () => StageGauge): void =>
      deps.onProgress?.({ file, index, total: options.files.length, stage, gauge });
    // A record file with claims of several tables is one job per table, the first finding the others.
    const tables: Array<string | undefined> = [undefined];
    for (const recordTable of tables) {
      const outcome = await runJob(deps, options, file, onStage, recordTable);
      outcomes.push(outcome.outcome);
      for (const m of outcome.touchedMonths) months.add(m);
      tables.push(...outcome.moreTables);
    }
    const rows = outcomes.at(-1)?.report?.summary.total_records;
    deps.onProgress?.({ file, index: index + 1, total: options.files.length, stage: 'done', rows });
  }
  const aggregations =
    options.mode === 'run' ? await publishAggregations([...months].sort(), deps.engine, deps.store) : [];
  if (options.mode === 'run') await deps.refreshWarehouse();
  return {
    files: outcomes,
    ...totalsOf(outcomes),
    aggregations,
    elapsed_ms: Math.round(performance.now() - started),
  };
}

/** One job of a file (for one table of a record file's claims), as its outcome. */
async function runJob(
  deps: RunDeps,
  options: RunOptions,
  file: string,
  onStage: (stage: string, gauge: () => StageGauge) => void,
  recordTable: string | undefined,
): Promise<{ outcome: FileOutcome; touchedMonths: readonly string[]; moreTables: readonly string[] }> {
  const jobId = deps.nextJobId(deps.clock.now());
  try {
    const settings = { ...options.settingsFor(file), jobId, mode: options.mode, recordTable };
    const { spark } = deps;
    const result = spark
      ? await processFileOnSpark(file, { ...deps, onStage, spark }, settings)
      : await processFile(file, { ...deps, onStage }, settings);
    const fileError = result.report.file_error;
    const outcome: FileOutcome = {
      file,
      job_id: jobId,
      status: result.status,
      failure: fileError ? 'data' : null,
      message: fileError ? `${fileError.rule_id}: ${fileError.reason}` : null,
      report: result.report,
    };
    return { outcome, touchedMonths: result.touchedMonths, moreTables: result.moreTables };
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    deps.logger.error('job failed', { job_id: jobId, file: basename(file), error_type: 'system' });
    const outcome: FileOutcome = { file, job_id: jobId, status: 'FAILED', failure: 'system', message, report: null };
    return { outcome, touchedMonths: [], moreTables: [] };
  }
}

/**
 * The run's totals over the files whose rows are published, so rows in = processed +
 * quarantined + duplicates holds; companion files are counted apart.
 */
export function totalsOf(
  outcomes: readonly FileOutcome[],
): Pick<RunSummary, 'totals' | 'totals_by_table' | 'not_counted'> {
  const counted = outcomes.filter((o) => isCounted(o.report));
  const companions = outcomes.filter((o) => !isCounted(o.report));
  // A file rejected before its profile was known counts under medical_claim, the inbox's default.
  const tableOf = (o: FileOutcome): string => o.report?.profile?.table ?? 'medical_claim';
  const tables = [...new Set(counted.map(tableOf))].sort();
  return {
    totals: sumTotals(counted),
    totals_by_table: Object.fromEntries(tables.map((t) => [t, sumTotals(counted.filter((o) => tableOf(o) === t))])),
    not_counted: {
      files: companions.map((o) => o.file),
      rows: companions.reduce((acc, o) => acc + (o.report?.summary.total_records ?? 0), 0),
    },
  };
}

function sumTotals(outcomes: readonly FileOutcome[]): RunTotals {
  const sum = (pick: (o: FileOutcome) => number): number => outcomes.reduce((acc, o) => acc + pick(o), 0);
  return {
    input_rows: sum((o) => o.report?.summary.total_records ?? 0),
    valid_rows: sum((o) => o.report?.summary.valid_records ?? 0),
    processed_rows: sum((o) => o.report?.processed_records ?? 0),
    quarantined_rows: sum((o) => o.report?.summary.error_records ?? 0),
    duplicates_removed: sum((o) => o.report?.duplicates_removed.total ?? 0),
  };
}
