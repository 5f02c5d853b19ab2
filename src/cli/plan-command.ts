import { basename, resolve } from 'node:path';
import { z } from 'zod';
import { findCodeSetFilesIn } from '../adapters/duckdb/load-code-sets.ts';
import { readHead } from '../adapters/local-store/read-head.ts';
import type { CodeSetName } from '../domain/code-sets.ts';
import { HEAD_BYTES } from '../domain/detect-format.ts';
import { ClaimFileError, UsageError } from '../domain/errors.ts';
import { createFileSettings } from '../pipeline/file-settings.ts';
import { createJobIdSource } from '../pipeline/job-id.ts';
import { systemClock } from '../pipeline/ports.ts';
import { codeSetRelation } from '../plan/compile-code-set.ts';
import { duckdbDialect } from '../plan/duckdb-dialect.ts';
import { buildEnginePlan } from '../plan/engine-plan.ts';
import { sparkDialect } from '../plan/spark-dialect.ts';
import { loadConfig } from './load-config.ts';
import { loadSourceProfiles } from './load-profile.ts';
import { EXIT } from './run-command.ts';

/** Flags of `claimflow plan`, parsed once at the edge. */
export const planFlagsSchema = z.object({
  dialect: z.enum(['spark', 'duckdb']).default('spark'),
  config: z.string().min(1).optional(),
  refdata: z.string().min(1).optional(),
  runDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD')
    .optional(),
});
export type PlanFlags = z.infer<typeof planFlagsSchema>;

const DIALECTS = { spark: sparkDialect, duckdb: duckdbDialect } as const;

/**
 * `claimflow plan FILE`: the staged plan of one file as JSON on stdout, as the Glue runner
 * receives it. The format and columns come from the file's head; output paths are keys of
 * the store layout (`temp/<job_id>/...`). Exit 2 when the file would be rejected before its
 * rows are read (empty, unreadable, a required column missing).
 */
export async function planCommand(
  file: string,
  flags: PlanFlags,
  write: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const config = await loadConfig(flags.config);
  const refdata = flags.refdata ? resolve(flags.refdata) : config.refdata;
  const codeSetFiles = refdata ? findCodeSetFilesIn(refdata) : new Map<CodeSetName, string>();
  const now = systemClock.now();
  const settingsFor = createFileSettings(
    config,
    { runDate: flags.runDate ?? now.toISOString().slice(0, 10) },
    new Set(codeSetFiles.keys()),
    codeSetRelation,
    await loadSourceProfiles(config, flags.config),
  );
  const path = resolve(file);
  const head = await readHead(path, HEAD_BYTES).catch((error: unknown) => {
    throw new UsageError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
      cause: error,
    });
  });
  try {
    const plan = buildEnginePlan({
      dialect: DIALECTS[flags.dialect],
      jobId: createJobIdSource()(now),
      fileName: basename(path),
      inputPath: path,
      head,
      settings: settingsFor(path),
      ingestDatetime: now.toISOString(),
      codeSetFiles,
      locate: (key) => key,
    });
    write(`${JSON.stringify(plan, null, 2)}\n`);
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof ClaimFileError)) throw error;
    process.stderr.write(`claimflow: ${error.message}\n`);
    return EXIT.fileFailed;
  }
}
