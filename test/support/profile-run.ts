import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { openPipeline } from '../../src/cli/open-pipeline.ts';
import { runFlagsSchema } from '../../src/cli/options.ts';
import { PREFIXES } from '../../src/domain/store-layout.ts';
import { systemClock } from '../../src/pipeline/ports.ts';
import { type RunSummary, runPipeline } from '../../src/pipeline/run-pipeline.ts';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import { withCanonicalLayout } from '../../src/plan/canonical-layout.ts';
import { claimflow, lit, type RunJson, sql, tempDir } from './cli.ts';

export interface SampleRun {
  readonly code: number;
  readonly stderr: string;
  readonly root: string;
  readonly run: RunJson;
  /** Each file's validation report, by base name; a record file's later job for another table as `<name>#<table>`. */
  readonly reports: ReadonlyMap<string, ValidationReport>;
}

/** `claimflow run` on sample files read in place, with a fixed run date, and every report read back. */
export async function runSamples(files: readonly string[], ...args: string[]): Promise<SampleRun> {
  const root = join(await tempDir('profiles'), 'root');
  const result = await claimflow('run', ...files, '--root', root, '--run-date', '2026-11-01', '--json', ...args);
  if (!result.stdout) throw new Error(`run printed nothing: ${result.stderr}`);
  const run = JSON.parse(result.stdout) as RunJson;
  const reports = new Map<string, ValidationReport>();
  for (const f of run.files) {
    const location = f.validation?.report_location;
    if (!location) continue;
    const report = JSON.parse(await readFile(location, 'utf8')) as ValidationReport;
    const name = basename(f.file);
    reports.set(reports.has(name) ? `${name}#${report.profile?.table}` : name, report);
  }
  return { code: result.code, stderr: result.stderr, root, run, reports };
}

/** Published claim lines of one input file (in the full canonical layout, as the warehouse shows them), by claim and line unless `orderBy` is empty. */
export function publishedLines(
  root: string,
  fileName: string,
  columns = '*',
  orderBy = 'claim_id, claim_line_number',
): Promise<Record<string, unknown>[]> {
  return sql(
    `SELECT ${columns} FROM ${withCanonicalLayout(`read_parquet(${lit(join(root, PREFIXES.processedClaims, '*/*/*.parquet'))}, union_by_name = true)`)}
     WHERE file_name = ${lit(fileName)}${orderBy ? ` ORDER BY ${orderBy}` : ''}`,
  );
}

/** Rule id to failed-row count, for the rules a report shows failing. */
export function failing(report: ValidationReport | undefined): Record<string, number> {
  return Object.fromEntries((report?.rules ?? []).filter((r) => r.row_count > 0).map((r) => [r.rule_id, r.row_count]));
}

/**
 * `run` in this process through the same wiring as the CLI (openPipeline, runPipeline), for flags
 * given as parsed options, e.g. `{ profile: 'standard' }`.
 */
export async function runInProcess(
  files: readonly string[],
  flags: Record<string, unknown>,
): Promise<{ root: string; summary: RunSummary }> {
  const root = join(await tempDir('profiles-in-process'), 'root');
  const pipeline = await openPipeline(runFlagsSchema.parse({ root, runDate: '2026-11-01', ...flags }), 'run');
  const engine = await pipeline.database.connect();
  try {
    const summary = await runPipeline(
      { ...pipeline, engine, clock: systemClock, refreshWarehouse: () => pipeline.warehouse.refresh() },
      { files, mode: 'run', settingsFor: pipeline.settingsFor },
    );
    return { root, summary };
  } finally {
    engine.close();
    pipeline.close();
  }
}
