import {
  buildValidationReport,
  type ReportFacts,
  type ReportFindings,
  writeValidationReport,
} from '../build-report.ts';
import type { FileHalt } from '../file-verdict.ts';
import type { ObjectStore } from '../object-store.ts';
import type { Logger } from '../ports.ts';
import type { ValidationReport } from '../validation-report.ts';
import type { Measured } from './checked-rows.ts';
import { NOT_DEDUPLICATED, type Published } from './publish-checked.ts';

/** How a job ended besides its checked rows: why it was rejected, and where its input was copied. */
export interface JobEnd {
  readonly fileError: FileHalt | null;
  readonly quarantineFile: string | null;
  readonly archive: string | null;
}

/** The report's findings from what the shared path returned (nothing yet where a stage did not run). */
export function findingsOf(
  measured: Measured | undefined,
  published: Published | undefined,
  end: JobEnd,
): ReportFindings {
  return {
    total: measured?.total ?? 0,
    quarantined: measured?.quarantined ?? 0,
    ...(published?.deduplicated ?? NOT_DEDUPLICATED),
    counts: measured?.counts ?? new Map(),
    samples: measured?.samples ?? new Map(),
    dimensionFailures: measured?.dimensionFailures ?? null,
    fileError: end.fileError,
    outputs: {
      processed: published?.outputs.processed ?? [],
      quarantine_rows: published?.outputs.quarantine_rows ?? null,
      quarantine_file: end.quarantineFile,
      archive: end.archive,
    },
  };
}

/** The job's validation report, built from what its stages found, written beside its HTML, and logged. */
export async function recordReport(
  deps: { readonly store: ObjectStore; readonly logger: Logger },
  facts: Omit<ReportFacts, 'locate'>,
  findings: ReportFindings,
  logFields: Record<string, unknown> = {},
): Promise<ValidationReport> {
  const report = buildValidationReport({ ...facts, locate: (key) => deps.store.locate(key) }, findings);
  await writeValidationReport(deps.store, report);
  deps.logger.info(facts.status === 'SUCCEEDED' ? 'job succeeded' : 'job failed', {
    job_id: facts.jobId,
    ...logFields,
    ...report.summary,
    timings_ms: report.timings_ms,
  });
  return report;
}
