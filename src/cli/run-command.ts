import { basename } from 'node:path';
import { sanitizeErrorMessage } from '../domain/redact.ts';
import { happeningOfOutcome } from '../pipeline/alerts/job-happenings.ts';
import { systemClock } from '../pipeline/ports.ts';
import { type RunSummary, runPipeline } from '../pipeline/run-pipeline.ts';
import { expandInputs } from './expand-inputs.ts';
import { openPipeline } from './open-pipeline.ts';
import { type OpenSpark, openSpark } from './open-spark.ts';
import type { RunFlags } from './options.ts';
import { createProgress } from './progress.ts';

/** Exit codes; `rootLocked`: another command is writing the root, and trying again later can succeed. */
export const EXIT = { ok: 0, usage: 1, fileFailed: 2, system: 3, rootLocked: 4 } as const;

/** `claimflow run` (the whole pipeline) and `claimflow validate` (checks and report only): returns the exit code. */
export async function runCommand(
  inputs: readonly string[],
  flags: RunFlags,
  mode: 'run' | 'validate',
): Promise<number> {
  const files = expandInputs(inputs);
  const pipeline = await openPipeline(flags, mode);
  const engine = await pipeline.database.connect();
  const progress = createProgress(!flags.json && process.stderr.isTTY === true);
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
    process.stdout.write(
      flags.json
        ? `${JSON.stringify(toJson(summary, pipeline.root, pipeline.warehouse.path), null, 2)}\n`
        : describe(summary, pipeline.root, mode),
    );
    for (const f of summary.files)
      if (f.message) process.stderr.write(`claimflow: ${describeFailure(f.file, f.message)}\n`);
    // `validate` is a dry run: it alerts no one.
    if (mode === 'run') for (const outcome of summary.files) await pipeline.raiseAlert(happeningOfOutcome(outcome));
    return exitCodeOf(summary);
  } finally {
    await spark?.close();
    engine.close();
    pipeline.close();
  }
}

/** The file's name as it is (file names are not PHI, and may hold brackets or quotes), then the sanitised reason. */
function describeFailure(file: string, message: string): string {
  return `${basename(file)}: ${sanitizeErrorMessage(message)}`;
}

function exitCodeOf(summary: RunSummary): number {
  if (summary.files.some((f) => f.failure === 'system')) return EXIT.system;
  if (summary.files.some((f) => f.failure === 'data')) return EXIT.fileFailed;
  return EXIT.ok;
}

function toJson(summary: RunSummary, root: string, warehouse: string): unknown {
  return {
    root,
    warehouse,
    elapsed_ms: summary.elapsed_ms,
    // This process's peak resident memory (DuckDB runs in-process), for benchmarks.
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    totals: summary.totals,
    aggregations: summary.aggregations,
    files: summary.files.map((f) => ({
      file: f.file,
      job_id: f.job_id,
      status: f.status,
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

function describe(summary: RunSummary, root: string, mode: 'run' | 'validate'): string {
  const t = summary.totals;
  const lines = summary.files.flatMap((f) => {
    const r = f.report;
    const head = `  ${f.status === 'SUCCEEDED' ? 'ok    ' : 'FAILED'} ${f.job_id}  ${f.file}`;
    if (!r) return [head];
    const quality = r.quality ? `, quality ${r.quality.score} (${r.quality.grade})` : '';
    return [
      `${head}  (${r.summary.total_records} rows, ${r.summary.error_records} quarantined${quality})`,
      `         report: ${r.html_report_location}`,
    ];
  });
  const totals =
    mode === 'run'
      ? `  rows in ${t.input_rows}, valid ${t.valid_rows}, quarantined ${t.quarantined_rows}, duplicates removed ${t.duplicates_removed}, processed ${t.processed_rows}`
      : `  rows in ${t.input_rows}, valid ${t.valid_rows}, would be quarantined ${t.quarantined_rows}`;
  const outputs =
    mode === 'run'
      ? `  outputs under ${root}: processed/claims, processed/aggregations, quarantine, validation-reports, warehouse.duckdb`
      : `  reports under ${root}/validation-reports (nothing else was written)`;
  return [
    `claimflow ${mode}: ${summary.files.length} file(s) in ${(summary.elapsed_ms / 1000).toFixed(1)}s`,
    ...lines,
    totals,
    outputs,
    '',
  ].join('\n');
}
