/** Runs a stage's work, timing it under the stage's name. */
export type Timed = <T>(stage: string, work: () => Promise<T>) => Promise<T>;

/** A stage timer adding each stage's milliseconds to `timings` (a stage run in parts, like measure, adds up). */
export function createStageTimer(timings: Record<string, number>, onStart?: (stage: string) => void): Timed {
  return async (stage, work) => {
    onStart?.(stage);
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = (timings[stage] ?? 0) + Math.round(performance.now() - started);
    }
  };
}
