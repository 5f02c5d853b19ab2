import type { FileHead, InputFormat } from '../../domain/detect-format.ts';
import { estimateRecords } from '../../domain/estimate-records.ts';
import type { JobContext } from './job-context.ts';
import type { StageGauge } from './stage-timer.ts';

export interface IngestGaugeRead {
  readonly path: string;
  readonly format: InputFormat;
  readonly gzip: boolean;
  /** The input's head, when `path` is the input (a converted file has none). */
  readonly head: FileHead | null;
  /** The records a converter wrote to `path`, when it was one: an exact count. */
  readonly lines: number | null;
}

/**
 * Ingest's gauge: the engine's share of the file read and the rows that share holds, estimated
 * from the head's bytes per line (exact for converted records). A gzip file gets neither: the
 * engine's share counts compressed bytes read ahead of the inflate (it read 100% halfway through
 * a 1M-line file), and its size says nothing of its lines. A JSON array has no lines to go by.
 */
export async function ingestGauge(job: JobContext, read: IngestGaugeRead): Promise<() => StageGauge> {
  if (read.gzip) return () => ({ fraction: null, rows: read.lines, rowsEstimated: false, bytes: null });
  const bytes = await job.deps.files.size(read.path).catch(() => null);
  const estimated =
    read.head && bytes !== null && read.format.kind !== 'json-array'
      ? estimateRecords(read.head.bytes, bytes, read.format.kind === 'csv' ? 1 : 0)
      : null;
  const rows = read.lines ?? estimated;
  const rowsEstimated = read.lines === null && estimated !== null;
  return () => ({ fraction: job.deps.engine.progress(), rows, rowsEstimated, bytes });
}
