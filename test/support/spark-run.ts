import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { runNode } from './cli.ts';

const FINGERPRINT = fileURLToPath(new URL('../../scripts/fingerprint-run.ts', import.meta.url));

/** Two local cores, as CI has; the JIT's first tier only (a short-lived JVM spends less on compiling). */
export const SPARK_FLAGS = [
  '--engine',
  'spark',
  '--spark-master',
  'local[2]',
  '--spark-conf',
  'spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1',
];

/** What scripts/fingerprint-run.ts prints: each output folder's rows hashed, and the reports. */
export interface Fingerprint {
  readonly outputs: Record<string, { files: string[]; rows: number; sha256: string }>;
  readonly reports: Array<Record<string, unknown> & { input_file: string; outputs: Record<string, unknown> }>;
}

export async function fingerprint(root: string): Promise<Fingerprint> {
  const run = await runNode(['--import', 'tsx', FINGERPRINT, root]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as Fingerprint;
}
