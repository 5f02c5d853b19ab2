/**
 * How far a running stage is, read each time a progress line is drawn (never per row).
 * `fraction` is the engine's own estimate, null when it gives none; `rows` is the stage's rows,
 * exact once the file is read, `rowsEstimated` while it is being read.
 */
export interface StageGauge {
  readonly fraction: number | null;
  readonly rows: number | null;
  readonly rowsEstimated: boolean;
  /** The bytes the stage reads (ingest's input), when known. */
  readonly bytes: number | null;
}

/** Runs a stage's work, timing it under the stage's name; `gauge` says how far it is while it runs. */
export type Timed = <T>(stage: string, work: () => Promise<T>, gauge?: () => StageGauge) => Promise<T>;

/** A stage timer adding each stage's milliseconds to `timings` (a stage run in parts, like measure, adds up). */
export function createStageTimer(
  timings: Record<string, number>,
  onStart?: (stage: string, gauge?: () => StageGauge) => void,
): Timed {
  return async (stage, work, gauge) => {
    onStart?.(stage, gauge);
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = (timings[stage] ?? 0) + Math.round(performance.now() - started);
    }
  };
}
