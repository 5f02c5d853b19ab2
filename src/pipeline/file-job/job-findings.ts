import type { ReportFacts, ReportFindings } from '../build-report.ts';
import type { FileHalt } from '../file-verdict.ts';
import type { JobStatus, ValidationReport } from '../validation-report.ts';
import type { Checked } from './check.ts';
import type { Measured } from './checked-rows.ts';
import type { ChosenProfile } from './choose-profile.ts';
import { type ConvertedRecords, moreTablesOf } from './convert-records.ts';
import type { FileJobResult } from './file-job-options.ts';
import { findingsOf } from './file-report.ts';
import type { JobContext } from './job-context.ts';
import type { Companions } from './load-companions.ts';
import { describeProfile } from './profile-report.ts';
import type { Published } from './publish-checked.ts';

/**
 * What the stages of one job returned, kept as each returns so that a file rejected part-way is
 * reported with everything learnt before its rejection. Each field is set once, by the conductor.
 */
export interface JobFindings {
  format?: string;
  chosen?: ChosenProfile;
  conversion?: ConvertedRecords;
  companions?: Companions;
  sourceRecords?: number;
  checked?: Checked;
  measured?: Measured;
  published?: Published;
  fileError?: FileHalt;
  quarantineFile?: string;
}

/** The report's facts and findings of a DuckDB job, from what its stages found. */
export function reportOf(
  job: JobContext,
  found: JobFindings,
  ended: { readonly status: JobStatus; readonly archive: string | null; readonly sha256: string },
): { facts: Omit<ReportFacts, 'locate'>; findings: ReportFindings } {
  const { chosen, measured, published, checked } = found;
  return {
    facts: {
      status: ended.status,
      mode: job.options.mode,
      publishes: chosen?.publishes ?? true,
      rules: chosen?.rules ?? [],
      jobId: job.jobId,
      inputFile: job.fileName,
      sha256: ended.sha256,
      format: found.format ?? null,
      profile: chosen
        ? describeProfile(chosen, {
            companions: found.companions?.read ?? [],
            sourceRecords: found.sourceRecords ?? null,
            conversion: found.conversion ?? null,
          })
        : null,
      dataSource: job.options.dataSource,
      startedAt: job.startedAt,
      finishedAt: job.deps.clock.now(),
      skippedRules: chosen?.skippedRules ?? job.options.skippedRules,
      unknownColumns: checked?.unknownColumns ?? [],
      missingOptionalColumns: checked?.missingOptional ?? 0,
      timings: job.timings,
    },
    findings: findingsOf(measured, published, {
      fileError: found.fileError ?? null,
      quarantineFile: found.quarantineFile ?? null,
      archive: ended.archive,
    }),
  };
}

/** What a file job returns once reported: its months changed, and the tables left for more jobs. */
export function resultOf(
  job: JobContext,
  found: JobFindings,
  end: { readonly status: JobStatus; readonly report: ValidationReport },
): FileJobResult {
  return {
    jobId: job.jobId,
    inputFile: job.path,
    ...end,
    touchedMonths: found.published?.touched ?? [],
    moreTables: moreTablesOf(job, found.conversion),
  };
}
