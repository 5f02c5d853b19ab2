import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from './cli.ts';
import { type Generated837, write837File } from './x12-837-generator.ts';

const CHILD = fileURLToPath(new URL('./convert-x12-child.ts', import.meta.url));

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
 */
export async function measureX12Memory(targetBytes: number): Promise<X12MemoryRun> {
  const dir = await mkdtemp(join(tmpdir(), 'claimflow-x12-memory-'));
  try {
    const input = join(dir, 'large.837');
    const started = performance.now();
    const generated = await write837File(input, targetBytes);
    const generateSeconds = (performance.now() - started) / 1000;
    const child = await runChild([input, join(dir, 'large.ndjson')]);
    const { seconds, ...result } = JSON.parse(child) as Omit<
      X12MemoryRun,
      'generated' | 'generateSeconds' | 'convertSeconds'
    > & {
      seconds: number;
    };
    return { generated, generateSeconds, convertSeconds: seconds, ...result };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runChild(args: readonly string[]): Promise<string> {
  const child = await runNode(['--import', 'tsx', CHILD, ...args]);
  if (child.code !== 0) throw new Error(`converter exited ${child.code}: ${child.stderr}`);
  return child.stdout;
}
