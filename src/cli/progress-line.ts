import type { StageGauge } from '../pipeline/file-job/stage-timer.ts';

/** A running stage as a progress line sees it: its name, its time so far, its gauge when it has one. */
export interface StageReading {
  readonly stage: string;
  readonly stageMs: number;
  readonly gauge: StageGauge | null;
}

/** What can honestly be said of a stage: every field null when the engine and the file don't tell. */
export interface StageFigures {
  readonly fraction: number | null;
  readonly rowsDone: number | null;
  readonly rows: number | null;
  readonly rowsEstimated: boolean;
  readonly rowsPerSecond: number | null;
  readonly bytesDone: number | null;
  readonly bytes: number | null;
  readonly etaSeconds: number | null;
}

/** Below this share done, an ETA is mostly the time the engine took to start: none is given. */
const MIN_FRACTION_FOR_ETA = 0.02;
/** Before this long in a stage, a rate is mostly start-up: none is given. */
const MIN_MS_FOR_RATE = 1000;

/** The figures of a stage from its gauge and its time so far: share, rows, rate, ETA. */
export function figuresOf({ stageMs, gauge }: StageReading): StageFigures {
  const fraction = gauge?.fraction ?? null;
  const rows = gauge?.rows ?? null;
  const rowsDone = fraction !== null && rows !== null ? Math.round(rows * fraction) : null;
  const bytes = gauge?.bytes ?? null;
  const seconds = stageMs / 1000;
  return {
    fraction,
    rowsDone,
    rows,
    rowsEstimated: gauge?.rowsEstimated ?? false,
    // Nothing read yet is the engine not having said so yet, not a rate of 0.
    rowsPerSecond: rowsDone && stageMs >= MIN_MS_FOR_RATE ? Math.round(rowsDone / seconds) : null,
    bytesDone: fraction !== null && bytes !== null ? Math.round(bytes * fraction) : null,
    bytes,
    etaSeconds:
      fraction !== null && fraction >= MIN_FRACTION_FOR_ETA ? Math.round((seconds * (1 - fraction)) / fraction) : null,
  };
}

const count = (n: number): string => n.toLocaleString('en-US');
const megabytes = (n: number): string => `${Math.round(n / 1_000_000).toLocaleString('en-US')} MB`;

/** Seconds as `42s`, `3m05s` or `1h02m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * A stage as words: `ingest 46%, ~460,000 of ~1,000,000 rows, ~38,000 rows/s, ETA 14s, 12s so far`
 * (`~` marks rows estimated from the file's size); without the engine's share, what is known:
 * `check 1,000,000 rows, 12s so far`, `ingest 12s so far`.
 */
export function describeStage(reading: StageReading): string {
  const f = figuresOf(reading);
  // Estimated rows get three significant digits: more would claim a precision they lack.
  const rows = (n: number): string => (f.rowsEstimated ? `~${count(Number(n.toPrecision(3)))}` : count(n));
  const parts: string[] = [];
  if (f.rowsDone !== null && f.rows !== null) parts.push(`${rows(f.rowsDone)} of ${rows(f.rows)} rows`);
  else if (f.rows !== null) parts.push(`${rows(f.rows)} rows`);
  else if (f.bytesDone !== null && f.bytes !== null) parts.push(`${megabytes(f.bytesDone)} of ${megabytes(f.bytes)}`);
  if (f.rowsPerSecond !== null) parts.push(`${rows(f.rowsPerSecond)} rows/s`);
  if (f.etaSeconds !== null) parts.push(`ETA ${formatDuration(f.etaSeconds)}`);
  parts.push(`${formatDuration(reading.stageMs / 1000)} so far`);
  if (f.fraction !== null) return `${reading.stage} ${Math.floor(f.fraction * 100)}%, ${parts.join(', ')}`;
  // Without a share the first figure reads as the stage's own: `check 1,000,000 rows, 12s so far`.
  return `${reading.stage} ${parts.join(', ')}`;
}

/** The same figures as a JSON record's fields (`--json`), nulls where nothing is known. */
export function stageRecord(reading: StageReading): Record<string, unknown> {
  const f = figuresOf(reading);
  return {
    stage: reading.stage,
    stage_elapsed_ms: Math.round(reading.stageMs),
    fraction: f.fraction === null ? null : Number(f.fraction.toFixed(4)),
    rows_done: f.rowsDone,
    rows_total: f.rows,
    rows_estimated: f.rowsEstimated,
    rows_per_s: f.rowsPerSecond,
    bytes_total: f.bytes,
    eta_s: f.etaSeconds,
  };
}
