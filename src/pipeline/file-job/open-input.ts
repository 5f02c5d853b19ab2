import { columnLimitReason, headerCutReason } from '../../domain/column-limit.ts';
import { detectFormat, type FileHead, type InputFormat } from '../../domain/detect-format.ts';
import { type RecordKind, recordKindOf } from '../select-profile.ts';
import type { PlanningDeps } from './file-job-options.ts';
import type { JobContext } from './job-context.ts';

/** What the first bytes of a file tell: its format, and a record format (X12, FHIR) if it is one. */
export interface OpenedInput {
  readonly head: FileHead;
  readonly format: InputFormat;
  readonly recordKind: RecordKind | null;
}

/**
 * Reads the head of the file and decides how to read the rest; an empty, unreadable,
 * over-inflating or over-wide file is rejected here, before the engine sees it.
 */
export async function openInput(job: JobContext): Promise<OpenedInput> {
  const head = await job.readOrHalt(() => job.deps.files.readHead(job.path));
  // Inflating the whole file also checks each member's CRC-32 and length: damage rejects the file.
  if (head.gzip) await job.timed('inflate', () => job.readOrHalt(() => checkInflatedSize(job)));
  return inspectHead(job, head);
}

/**
 * What the head alone tells (format, record kind, width): where the rest of the file is not read
 * before the engine reads it (the Glue hand-over), this is all of `openInput`.
 */
export function inspectHead(job: JobContext<PlanningDeps>, head: FileHead): OpenedInput {
  if (head.bytes.length === 0) throw job.halt('empty_file', 'the file is empty (0 bytes)');
  const detection = detectFormat(job.fileName, head.bytes);
  if (!detection.ok) throw job.halt('unreadable_file', detection.reason);
  const recordKind = recordKindOf(head.bytes);
  // A record format (X12 segments often on one line) is converted, not read as CSV.
  if (detection.format.kind === 'csv' && !recordKind) {
    const cut = headerCutReason(head.bytes);
    if (cut) throw job.halt('column_limit_exceeded', cut);
    checkColumnCount(job, detection.format.header.length, 'header');
  }
  return { head, format: detection.format, recordKind };
}

/**
 * A file wider than `limits.max_columns` is rejected before its rows are read (a CSV's header is
 * counted here; JSON keys once the records are read as text, before they are split into columns).
 */
export function checkColumnCount(job: JobContext<PlanningDeps>, columns: number, what: 'header' | 'records'): void {
  const reason = columnLimitReason(columns, job.options.limits.max_columns, what);
  if (reason) throw job.halt('column_limit_exceeded', reason);
}

/**
 * A gzip bomb is stopped here, inflated only up to the limit (and its output dropped), before
 * the engine or a converter reads it: one bounded pass instead of a disk or memory filled.
 */
async function checkInflatedSize(job: JobContext): Promise<void> {
  const { max_decompressed_bytes: maxBytes, max_compression_ratio: maxRatio } = job.options.limits;
  const compressed = await job.deps.files.size(job.path);
  const limit = Math.min(maxBytes, Math.floor(compressed * maxRatio));
  if ((await job.deps.files.countInflatedBytes(job.path, limit)) !== null) return;
  throw job.halt(
    'decompression_limit_exceeded',
    `the gzip content inflates past ${limit} bytes (limits: ${maxBytes} bytes, ${maxRatio} times its ${compressed} compressed bytes); it was not read`,
  );
}
