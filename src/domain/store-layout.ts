/**
 * The store layout of DESIGN.md, the same under a local root and in the buckets: every key the
 * pipeline, the handlers, the dashboard and the infrastructure name is built here and nowhere
 * else. Keys are '/'-separated and relative to the root or bucket.
 */
export const PREFIXES = {
  /** Inbox of claim files; on AWS the input bucket's, where S3 events start a job. */
  inbox: 'raw/claims/',
  /** On AWS the input bucket holds this prefix, the output bucket every other. */
  raw: 'raw/',
  processed: 'processed/',
  processedClaims: 'processed/claims/',
  aggregations: 'processed/aggregations/',
  /** The published claims with member identifiers as tokens, file for file. */
  pseudonymizedClaims: 'processed/pseudonymized/medical_claim/',
  validationReports: 'validation-reports/',
  quarantine: 'quarantine/',
  quarantineRows: 'quarantine/rows/',
  quarantineFiles: 'quarantine/files/',
  archive: 'archive/',
  temp: 'temp/',
  /** Glue's own scratch (`--TempDir`), beside the jobs' scratch prefixes. */
  glueTemp: 'temp/glue/',
  dlq: 'dlq/',
  /** Reference code lists the functions and Glue load (`REFDATA_PREFIX`). */
  refdata: 'refdata/',
} as const;

/**
 * The lock file a command that writes a local root holds while it runs (`run`, `validate`,
 * `watch`, `dlq replay`): one writer per root at a time. It sits beside the prefixes, not under
 * one, so no listing of the layout ever sees it.
 */
export const ROOT_LOCK_KEY = 'claimflow.lock';

/** Held for the microseconds it takes to remove a lock whose holder is gone, so two takers never both do. */
export const ROOT_LOCK_TAKEOVER_KEY = `${ROOT_LOCK_KEY}.takeover`;

/** A prefix as a folder under a local root: without its trailing '/', as `join` is given it. */
export const folderOf = (prefix: string): string => prefix.slice(0, -1);

/** `year=YYYY/month=MM`, the partition of a service month. */
export const partitionOf = (year: string, month: string): string => `year=${year}/month=${month}`;

/** The table whose files are under `processed/claims/` (DESIGN.md's layout); every other is under its own name. */
const MEDICAL_CLAIM = 'medical_claim';

/** The folder of a published table's files: `processed/claims/` for medical_claim, else `processed/<table>/`. */
export const tablePrefix = (table: string): string =>
  table === MEDICAL_CLAIM ? PREFIXES.processedClaims : `${PREFIXES.processed}${table}/`;

/** The folder of one month's published files of a table (by default medical_claim). */
export const claimPartitionPrefix = (year: string, month: string, table = MEDICAL_CLAIM): string =>
  `${tablePrefix(table)}${partitionOf(year, month)}/`;

/** A source's `n`th published file of a month: `<sourceKey>-<n>.parquet`. */
export const claimFileKey = (
  sourceKey: string,
  year: string,
  month: string,
  n: number,
  table = MEDICAL_CLAIM,
): string => `${claimPartitionPrefix(year, month, table)}${sourceKey}-${n}.parquet`;

/** One aggregation computed over every month at once (member months, PMPM, pharmacy spend). */
export const wholeAggregationKey = (name: string): string => `${aggregationPrefix(name)}all.parquet`;

/** The folder of one aggregation's monthly files. */
export const aggregationPrefix = (name: string): string => `${PREFIXES.aggregations}${name}/`;

/** One aggregation's totals of one month. */
export const aggregationKey = (name: string, year: string, month: string): string =>
  `${aggregationPrefix(name)}${year}-${month}.parquet`;

/**
 * The pseudonymized copy of a published claim file, in the same partition; the id of the key
 * that made it is in the name, so a copy made with another key is told apart.
 */
export const pseudonymizedClaimKey = (claimKey: string, keyId: string): string =>
  `${PREFIXES.pseudonymizedClaims}${claimKey.slice(PREFIXES.processedClaims.length).replace(/\.parquet$/, '')}.k${keyId}.parquet`;

/**
 * A source's quarantined rows: one file, or numbered parts when an engine writes several (`*`
 * names all the parts at once, as the report does).
 */
export const quarantineRowsKey = (sourceKey: string, part: number | '*' | null = null): string =>
  `${PREFIXES.quarantineRows}${sourceKey}${part === null ? '' : `-${part}`}.parquet`;

/** A file rejected whole, kept as it came. */
export const quarantineFileKey = (jobId: string, fileName: string): string =>
  `${PREFIXES.quarantineFiles}${jobId}/${fileName}`;

/** The copy of every input, by the day its job started (`YYYY-MM-DD`). */
export const archiveKey = (startedAt: Date, jobId: string, fileName: string): string =>
  `${PREFIXES.archive}${startedAt.toISOString().slice(0, 10)}/${jobId}/${fileName}`;

/** A file of the reports folder by its name, as the dashboard serves it. */
export const reportFileKey = (fileName: string): string => `${PREFIXES.validationReports}${fileName}`;

/** The validation report, `.json` and `.html` beside each other. */
export const reportKey = (jobId: string, extension: 'json' | 'html'): string => reportFileKey(`${jobId}.${extension}`);

/** A job's scratch objects (an engine's outputs before they are published). */
export const tempPrefix = (jobId: string): string => `${PREFIXES.temp}${jobId}/`;

/** One named object or folder under a job's scratch prefix (`plan.json`, `job.json`, `claims/`). */
export const tempKey = (jobId: string, name: string): string => `${tempPrefix(jobId)}${name}`;

/** The folder of one output an engine wrote for a job (`summary`, `claims`, ...): its part files. */
export const engineOutputPrefix = (jobId: string, output: string): string => `${tempKey(jobId, output)}/`;

/** A dead letter, its id made safe as a key. */
export const deadLetterKey = (id: string): string => `${PREFIXES.dlq}${id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;

/** The `YYYY-MM` of a key under a `year=YYYY/month=MM/` partition, or `unknown`. */
export function monthOf(key: string): string {
  const match = /year=(\d{4})\/month=(\d{2})/.exec(key);
  return match ? `${match[1]}-${match[2]}` : 'unknown';
}

/** `text` matched literally inside a regular expression (a source key holds dots). */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A source's published claim files, in any month: `<sourceKey>-<n>.parquet`. */
export function ownClaimFiles(sourceKey: string): RegExp {
  return new RegExp(`/${escapeRegExp(sourceKey)}-\\d+\\.parquet$`);
}

/** A source's quarantined-row files: one file, or numbered parts. */
export function ownQuarantineFiles(sourceKey: string): RegExp {
  return new RegExp(`^${escapeRegExp(PREFIXES.quarantineRows)}${escapeRegExp(sourceKey)}(-\\d+)?\\.parquet$`);
}
