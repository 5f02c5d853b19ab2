import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { runNode } from './cli.ts';
import { createBuckets, type MotoServices, startMoto } from './moto.ts';
import { type Generated837, write837File } from './x12-837-generator.ts';

const CHILD = fileURLToPath(new URL('./convert-x12-child.ts', import.meta.url));
export const S3_BUCKETS = { input: 'x12-memory-input', output: 'x12-memory-output' };

export interface X12MemoryRun {
  readonly generated: Generated837;
  readonly generateSeconds: number;
  readonly claims: number;
  readonly lines: number;
  readonly errors: number;
  readonly convertSeconds: number;
  /** Peak resident set size of the converting process (`process.resourceUsage().maxRSS`). */
  readonly maxRssBytes: number;
}

/**
 * Generates an 837P of `targetBytes`, converts it to NDJSON in a child process (so that the peak
 * RSS measured is the conversion's alone) and reports counts, time and peak RSS. Files are removed.
 * With `s3`, the file is an object in moto's S3 converted into another object, as etl converts for Glue.
 */
export async function measureX12Memory(targetBytes: number, options: { s3?: boolean } = {}): Promise<X12MemoryRun> {
  const dir = await mkdtemp(join(tmpdir(), 'claimflow-x12-memory-'));
  let moto: MotoServices | undefined;
  try {
    const input = join(dir, 'large.837');
    const started = performance.now();
    const generated = await write837File(input, targetBytes);
    const generateSeconds = (performance.now() - started) / 1000;
    let args = [input, join(dir, 'large.ndjson')];
    if (options.s3) {
      // From one S3 object to another, as etl converts for Glue (moto's S3 on loopback).
      moto = await startMoto();
      await createBuckets(moto.s3, [S3_BUCKETS.input, S3_BUCKETS.output]);
      const store = new S3ObjectStore(moto.s3, S3_BUCKETS, join(dir, 'scratch'));
      await store.copyIn(input, 'raw/claims/large.837');
      await rm(input);
      args = ['--s3', moto.server.endpoint, 'raw/claims/large.837', 'temp/x12-memory/records.ndjson'];
    }
    const child = await runChild(args);
    const { seconds, ...result } = JSON.parse(child) as Omit<
      X12MemoryRun,
      'generated' | 'generateSeconds' | 'convertSeconds'
    > & {
      seconds: number;
    };
    return { generated, generateSeconds, convertSeconds: seconds, ...result };
  } finally {
    await moto?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function runChild(args: readonly string[]): Promise<string> {
  const child = await runNode(['--import', 'tsx', CHILD, ...args]);
  if (child.code !== 0) throw new Error(`converter exited ${child.code}: ${child.stderr}`);
  return child.stdout;
}
