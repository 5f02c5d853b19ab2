/** A SQL engine that runs the plan: DuckDB in-process here, Spark on Glue elsewhere. */
export interface Engine {
  run(sql: string): Promise<void>;
  query(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Structured log sink. Callers pass identifiers and counts only, never claim values. */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}
