import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DuckDbEngine } from '../adapters/duckdb/duckdb-engine.ts';
import { DuckDbWarehouse } from '../adapters/duckdb/duckdb-warehouse.ts';
import { LocalObjectStore } from '../adapters/local-store/local-object-store.ts';
import { readHead } from '../adapters/local-store/read-head.ts';
import { ROW_RULES } from '../domain/rule-catalog.ts';
import { HEAD_BYTES } from '../pipeline/detect-format.ts';
import { createJobIdSource } from '../pipeline/job-id.ts';
import { systemClock } from '../pipeline/ports.ts';
import { type RunSummary, runPipeline } from '../pipeline/run-pipeline.ts';
import { expandInputs } from './expand-inputs.ts';
import { createLogger } from './logger.ts';
import type { RunFlags } from './options.ts';
import { createProgress } from './progress.ts';

export const EXIT = { ok: 0, usage: 1, fileFailed: 2, system: 3 } as const;

/** `claimflow run`: returns the exit code. */
export async function runCommand(inputs: readonly string[], flags: RunFlags): Promise<number> {
  const files = expandInputs(inputs);
  const root = resolve(flags.root);
  await mkdir(root, { recursive: true, mode: 0o700 });
  const store = new LocalObjectStore(root);
  const engine = await DuckDbEngine.open({
    path: ':memory:',
    memoryLimit: flags.memoryLimit,
    threads: flags.threads,
    tempDirectory: await store.scratchDir('duckdb'),
  });
  const warehouse = new DuckDbWarehouse(root);
  const progress = createProgress(!flags.json && process.stderr.isTTY === true);
  try {
    const summary = await runPipeline(
      {
        engine,
        store,
        clock: systemClock,
        logger: createLogger(flags.verbose),
        readHead: (path) => readHead(path, HEAD_BYTES),
        nextJobId: createJobIdSource(),
        refreshWarehouse: () => warehouse.refresh(),
        onProgress: progress.update,
      },
      {
        files,
        rules: ROW_RULES,
        errorRateThreshold: flags.errorThreshold,
        dataSource: flags.dataSource,
        runDate: flags.runDate ?? systemClock.now().toISOString().slice(0, 10),
      },
    );
    progress.done();
    process.stdout.write(
      flags.json ? `${JSON.stringify(toJson(summary, root, warehouse.path), null, 2)}\n` : describe(summary, root),
    );
    for (const f of summary.files) if (f.message) process.stderr.write(`claimflow: ${f.message}\n`);
    return exitCodeOf(summary);
  } finally {
    engine.close();
  }
}

export function exitCodeOf(summary: RunSummary): number {
  if (summary.files.some((f) => f.failure === 'system')) return EXIT.system;
  if (summary.files.some((f) => f.failure === 'data')) return EXIT.fileFailed;
  return EXIT.ok;
}

function toJson(summary: RunSummary, root: string, warehouse: string): unknown {
  return {
    root,
    warehouse,
    elapsed_ms: summary.elapsed_ms,
    totals: summary.totals,
    aggregations: summary.aggregations,
    files: summary.files.map((f) => ({
      file: f.file,
      job_id: f.job_id,
      status: f.status,
      error: f.message,
      validation: f.report && {
        validation_status: f.report.validation_status,
        report_location: f.report.report_location,
        summary: f.report.summary,
      },
      processed_records: f.report?.processed_records ?? 0,
      duplicates_removed: f.report?.duplicates_removed ?? null,
      timings_ms: f.report?.timings_ms ?? {},
    })),
  };
}

function describe(summary: RunSummary, root: string): string {
  const t = summary.totals;
  const lines = summary.files.map(
    (f) =>
      `  ${f.status === 'SUCCEEDED' ? 'ok    ' : 'FAILED'} ${f.job_id}  ${f.file}` +
      (f.report ? `  (${f.report.summary.total_records} rows, ${f.report.processed_records} processed)` : ''),
  );
  return [
    `claimflow run: ${summary.files.length} file(s) in ${(summary.elapsed_ms / 1000).toFixed(1)}s`,
    ...lines,
    `  rows in ${t.input_rows}, valid ${t.valid_rows}, quarantined ${t.quarantined_rows}, duplicates removed ${t.duplicates_removed}, processed ${t.processed_rows}`,
    `  outputs under ${root}: processed/claims, processed/aggregations, quarantine, validation-reports, warehouse.duckdb`,
    '',
  ].join('\n');
}
