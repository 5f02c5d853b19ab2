import type { FileHead, InputFormat } from '../../domain/detect-format.ts';
import { lineEndOf, type RecordCount, type RecordSyntax } from '../../domain/record-counter.ts';
import type { JobContext } from './job-context.ts';
import type { ReaderLines } from './job-workspace.ts';

/** The input's records as counted from its bytes, and how many of them are header lines. */
export interface SourceCount {
  readonly count: RecordCount;
  readonly headerLines: 0 | 1;
}

/**
 * Starts counting the input's records from its bytes, beside the engine's read (CSV and NDJSON;
 * a JSON array fails whole when it does not parse, and record formats are counted by their converter).
 */
export function startSourceCount(job: JobContext, format: InputFormat, head: FileHead): Promise<SourceCount> | null {
  const syntax: RecordSyntax | null =
    format.kind === 'csv'
      ? { kind: 'csv', delimiter: format.delimiter, lineEnd: lineEndOf(head.bytes) }
      : format.kind === 'ndjson'
        ? { kind: 'lines' }
        : null;
  if (!syntax) return null;
  const counting = job.timed('count', () =>
    job.readOrHalt(async () => ({
      count: await job.deps.files.countRecords(job.path, head.gzip, syntax),
      headerLines: format.kind === 'csv' ? (1 as const) : (0 as const),
    })),
  );
  // Awaited before anything is published; this only keeps an early failure from going unhandled.
  counting.catch(() => undefined);
  return counting;
}

/** A quoted field left open across lines hides every record after it: the file is rejected, naming the line. */
export function refuseUnterminatedQuote(job: JobContext, { count }: SourceCount): void {
  if (count.unterminatedQuoteLine === null) return;
  const swallowed = count.lines - count.unterminatedQuoteLine;
  throw job.halt(
    'record_count_mismatch',
    `a quoted field opened on line ${count.unterminatedQuoteLine} is never closed: the ${swallowed} line(s) after it cannot be told apart as records`,
  );
}

/** What the count tells the reader's rejects loading: blank lines (CSV row numbers skip them) and records spanning lines. */
export function readerLinesOf(counted: SourceCount | null): ReaderLines {
  if (!counted) return { skipped: [], spanning: [] };
  // NDJSON row numbers are line numbers: its blank lines are counted, not skipped.
  const skipped = counted.headerLines ? counted.count.blankPositions : [];
  return { skipped, spanning: counted.count.spanning.map((s) => s.position) };
}

/**
 * Every record of the file must be a row the reader read or a record it set aside, and a record
 * set aside must not be one that spans lines (the lines in it would be lost, not one record):
 * otherwise rows were lost or invented, and the file is rejected, naming where.
 */
export function reconcileRecordCount(
  job: JobContext,
  counted: SourceCount,
  read: { readonly records: number; readonly firstUnread: number | null; readonly unreadSpanning: number | null },
): void {
  const spanning = counted.count.spanning.find((s) => s.position === read.unreadSpanning);
  if (spanning) {
    throw job.halt(
      'record_count_mismatch',
      `the record on lines ${spanning.line}-${spanning.line + spanning.lines - 1} could not be read (its quotes do not pair up): the ${spanning.lines} lines in it would be lost`,
    );
  }
  const expected = Math.max(0, counted.count.records - counted.headerLines);
  if (read.records === expected) return;
  const where = [
    read.firstUnread === null ? null : `the reader first failed at record ${read.firstUnread}`,
    counted.count.spanning[0]
      ? `the first record spanning lines starts on line ${counted.count.spanning[0].line}`
      : null,
  ].filter((part) => part !== null);
  throw job.halt(
    'record_count_mismatch',
    `the reader found ${read.records} record(s) where the file's bytes hold ${expected}${where.length ? ` (${where.join('; ')})` : ''}: the file was not read as written`,
  );
}
