import { PREFIXES, tablePrefix } from '../domain/store-layout.ts';
import { TABLES } from '../domain/tables/tables.ts';
import { happeningOfOutcome } from '../pipeline/alerts/job-happenings.ts';
import { systemClock } from '../pipeline/ports.ts';
import { type RunSummary, runPipeline } from '../pipeline/run-pipeline.ts';
import type { FileSignal } from '../pipeline/run-signals.ts';
import { expandInputs, warnOnStderr } from './expand-inputs.ts';
import { openPipeline } from './open-pipeline.ts';
import { type OpenSpark, openSpark } from './open-spark.ts';
import type { RunFlags } from './options.ts';
import { createProgress, progressModeOf } from './progress.ts';
import {
  describeFailure,
  EXIT,
  exitCodeOf,
  failureLines,
  fileLines,
  gatesOf,
  judgeAll,
  type RefdataUse,
  type SkippedInput,
  tallyLine,
  whyLines,
} from './run-report.ts';

export { EXIT };

/** `claimflow run` (the whole pipeline) and `claimflow validate` (checks and report only): returns the exit code. */
export async function runCommand(
  inputs: readonly string[],
  flags: RunFlags,
  mode: 'run' | 'validate',
): Promise<number> {
  const skipped: SkippedInput[] = [];
  const files = expandInputs(inputs, (file, reason) => {
    warnOnStderr(file, reason);
    skipped.push({ file, reason });
  });
  const pipeline = await openPipeline(flags, mode);
  const engine = await pipeline.database.connect();
  const progress = createProgress(
    progressModeOf(process.stderr.isTTY === true, flags.json),
    flags.progressEvery * 1000,
  );
  let spark: OpenSpark | undefined;
  try {
    if (flags.engine === 'spark') spark = await openSpark(flags);
    const summary = await runPipeline(
      {
        ...pipeline,
        engine,
        spark: spark?.engine,
        clock: systemClock,
        refreshWarehouse: () => pipeline.warehouse.refresh(),
        onProgress: progress.update,
      },
      { files, mode, settingsFor: pipeline.settingsFor },
    );
    progress.done();
    const signals = judgeAll(summary.files, gatesOf(flags));
    const report = { summary, signals, skipped, refdata: pipeline.refdata };
    process.stdout.write(
      flags.json
        ? `${JSON.stringify(toJson(report, pipeline.root, pipeline.warehouse.path), null, 2)}\n`
        : describe(report, pipeline.root, mode),
    );
    for (const [i, f] of summary.files.entries())
      for (const line of failureLines(f, signals[i] as FileSignal)) process.stderr.write(`${line}\n`);
    // `validate` is a dry run: it alerts no one.
    if (mode === 'run') for (const outcome of summary.files) await pipeline.raiseAlert(happeningOfOutcome(outcome));
    return exitCodeOf(signals);
  } finally {
    await spark?.close();
    engine.close();
    pipeline.close();
  }
}

interface RunReport {
  readonly summary: RunSummary;
  readonly signals: readonly FileSignal[];
  readonly skipped: readonly SkippedInput[];
  readonly refdata: RefdataUse;
}

function toJson({ summary, signals, skipped, refdata }: RunReport, root: string, warehouse: string): unknown {
  return {
    root,
    warehouse,
    elapsed_ms: summary.elapsed_ms,
    // This process's peak resident memory (DuckDB runs in-process), for benchmarks.
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    totals: summary.totals,
    totals_by_table: summary.totals_by_table,
    not_counted: summary.not_counted,
    notes: whyLines(summary, refdata, skipped).map((l) => l.trim()),
    skipped,
    aggregations: summary.aggregations,
    files: summary.files.map((f, i) => ({
      file: f.file,
      job_id: f.job_id,
      status: f.status,
      verdict: signals[i]?.verdict,
      gates_failed: signals[i]?.gatesFailed ?? [],
      counted: signals[i]?.counted ?? true,
      error: f.message && describeFailure(f.file, f.message),
      validation: f.report && {
        validation_status: f.report.validation_status,
        report_location: f.report.report_location,
        html_report_location: f.report.html_report_location,
        summary: f.report.summary,
      },
      quality: f.report?.quality ?? null,
      processed_records: f.report?.processed_records ?? 0,
      duplicates_removed: f.report?.duplicates_removed ?? null,
      timings_ms: f.report?.timings_ms ?? {},
    })),
  };
}

/** Each table's folder under processed/ (`claims` for medical_claim). */
const TABLE_FOLDERS = TABLES.map((t) => tablePrefix(t.name).slice(PREFIXES.processed.length, -1)).join(', ');

function describe({ summary, signals, skipped, refdata }: RunReport, root: string, mode: 'run' | 'validate'): string {
  const t = summary.totals;
  const totals =
    mode === 'run'
      ? `  rows in ${t.input_rows}, valid ${t.valid_rows}, quarantined ${t.quarantined_rows}, duplicates removed ${t.duplicates_removed}, processed ${t.processed_rows}`
      : `  rows in ${t.input_rows}, valid ${t.valid_rows}, would be quarantined ${t.quarantined_rows}`;
  // Per table once there are several: each holds the identity on its own.
  const byTable = Object.entries(summary.totals_by_table);
  const tableLines =
    mode === 'run' && byTable.length > 1
      ? byTable.map(
          ([table, b]) =>
            `    ${table}: rows in ${b.input_rows} = processed ${b.processed_rows} + quarantined ${b.quarantined_rows} + duplicates removed ${b.duplicates_removed}`,
        )
      : [];
  const outputs =
    mode === 'run'
      ? `  outputs under ${root}: processed/<table> (${TABLE_FOLDERS}), processed/aggregations, quarantine, validation-reports, warehouse.duckdb`
      : `  reports under ${root}/validation-reports (nothing else was written)`;
  return [
    `claimflow ${mode}: ${summary.files.length} file(s) in ${(summary.elapsed_ms / 1000).toFixed(1)}s`,
    ...skipped.map((s) => `  SKIP   ${s.file}  (${s.reason})`),
    ...summary.files.flatMap((f, i) => fileLines(f, signals[i] as FileSignal)),
    totals,
    ...tableLines,
    ...whyLines(summary, refdata, skipped),
    tallyLine(signals, skipped.length),
    outputs,
    '',
  ].join('\n');
}
