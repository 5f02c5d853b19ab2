import type { ConversionSummary, PlanningDeps } from './file-job-options.ts';
import type { JobContext } from './job-context.ts';

/** A record file (X12, FHIR) converted to canonical NDJSON in scratch; dropped claims are reported. */
export async function convertRecords(
  job: JobContext<PlanningDeps>,
  kind: 'x12' | 'fhir',
  output: string,
): Promise<ConversionSummary> {
  const converter = job.deps.convertRecords?.[kind];
  if (!converter) throw new Error(`no ${kind} converter is wired into this pipeline`);
  const result = await job.timed('convert', () => job.readOrHalt(() => converter(job.path, output)));
  if (result.errors.length > 0) {
    job.deps.logger.warn('claims dropped in conversion', {
      job_id: job.jobId,
      file: job.fileName,
      errors: result.errors.length,
      first_position: result.errors[0]?.position,
    });
  }
  if (result.lines === 0) {
    const first = result.errors[0];
    throw first
      ? job.halt(
          'unreadable_file',
          `no claim could be read (${result.errors.length} error(s); first at ${first.position}: ${first.reason})`,
        )
      : job.halt('empty_file', `the file holds no ${kind === 'x12' ? 'claim (CLM)' : 'claim resource'}`);
  }
  return result;
}
