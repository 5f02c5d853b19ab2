import { INBOX_PREFIX } from '../src/pipeline/handlers/s3-event-trigger.ts';

/** The prefixes of DESIGN.md's layout that IAM grants name; `raw/` is in the input bucket, the rest in the output bucket. */
export const PREFIXES = {
  inbox: INBOX_PREFIX,
  processedClaims: 'processed/claims/',
  processed: 'processed/',
  validationReports: 'validation-reports/',
  quarantine: 'quarantine/',
  archive: 'archive/',
  temp: 'temp/',
  /** Reference code lists the functions and Glue load (`REFDATA_PREFIX`). */
  refdata: 'refdata/',
} as const;
