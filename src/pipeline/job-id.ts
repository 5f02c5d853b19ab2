const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** `claims-etl-YYYYMMDD-HHMMSS-NNNN` (UTC), the job id format of the message contracts. */
export function formatJobId(at: Date, sequence: number): string {
  const date = `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1, 2)}${pad(at.getUTCDate(), 2)}`;
  const time = `${pad(at.getUTCHours(), 2)}${pad(at.getUTCMinutes(), 2)}${pad(at.getUTCSeconds(), 2)}`;
  return `claims-etl-${date}-${time}-${pad(sequence % 10000, 4)}`;
}

/** Job ids for one process: a random start so that two runs in the same second rarely collide. */
export function createJobIdSource(start = Math.floor(Math.random() * 10000)): (at: Date) => string {
  let next = start;
  return (at) => formatJobId(at, next++);
}
