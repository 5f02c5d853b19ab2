import { MEDICAL_CLAIM_TABLE } from '../../domain/tables/tables.ts';
import type { ConversionSummary, PlanningDeps } from './file-job-options.ts';
import type { JobContext } from './job-context.ts';

/** What a record file's conversion wrote, and the table its claims fill. */
export interface ConvertedRecords extends ConversionSummary {
  readonly table: string;
}

/**
 * A record file (X12, FHIR) converted to canonical NDJSON in scratch; dropped claims are reported.
 * A job converts the claims of its `recordTable`; the first job takes medical_claim, or when the
 * file has none, the first other table it has claims of (a FHIR export of pharmacy claims alone).
 */
export async function convertRecords(
  job: JobContext<PlanningDeps>,
  kind: 'x12' | 'fhir',
  output: string,
): Promise<ConvertedRecords> {
  const converter = job.deps.convertRecords?.[kind];
  if (!converter) throw new Error(`no ${kind} converter is wired into this pipeline`);
  const convert = async (table: string): Promise<ConvertedRecords> => ({
    ...(await job.timed('convert', () => job.readOrHalt(() => converter(job.path, output, table)))),
    table,
  });
  let result = await convert(job.options.recordTable ?? MEDICAL_CLAIM_TABLE.name);
  const [other] = Object.keys(result.otherTables ?? {}).sort();
  if (result.lines === 0 && other && !job.options.recordTable) result = await convert(other);
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

/** The tables a first job leaves claims of to jobs of their own (none for a job of one `recordTable`). */
export function moreTablesOf(job: JobContext<PlanningDeps>, conversion: ConvertedRecords | undefined): string[] {
  if (job.options.recordTable !== undefined || !conversion) return [];
  return Object.keys(conversion.otherTables ?? {})
    .filter((t) => t !== conversion.table)
    .sort();
}
