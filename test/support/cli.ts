import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDbEngine } from '../../src/adapters/duckdb/duckdb-engine.ts';

const BIN = fileURLToPath(new URL('../../bin/claimflow.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI in a child process, as a user would. */
export function claimflow(...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `claimflow-${prefix}-`));
}

/** Runs SQL in a fresh in-memory DuckDB, e.g. to read Parquet outputs back. */
export async function sql(query: string): Promise<Record<string, unknown>[]> {
  const engine = await DuckDbEngine.open({ path: ':memory:' });
  try {
    return await engine.query(query);
  } finally {
    engine.close();
  }
}

export interface Expectation {
  readonly row: number;
  readonly kind: string;
  readonly rule: string;
  readonly outcome: 'quarantine' | 'warn' | 'duplicate';
}

/** The `<file>.expected` sidecar that `generate` writes. */
export async function readExpectations(file: string): Promise<Expectation[]> {
  const lines = (await readFile(`${file}.expected`, 'utf8')).trim().split('\n').slice(1);
  return lines.map((line) => {
    const [row, kind, rule, outcome] = line.split(',');
    return { row: Number(row), kind: kind ?? '', rule: rule ?? '', outcome: outcome as Expectation['outcome'] };
  });
}

export interface RunJson {
  totals: {
    input_rows: number;
    valid_rows: number;
    processed_rows: number;
    quarantined_rows: number;
    duplicates_removed: number;
  };
  files: Array<{
    file: string;
    job_id: string;
    status: string;
    error: string | null;
    validation: {
      validation_status: string;
      report_location: string;
      summary: { total_records: number; valid_records: number; error_records: number };
    } | null;
    processed_records: number;
    duplicates_removed: { exact: number; conflicting_key: number; total: number } | null;
  }>;
}

export const lit = (s: string): string => `'${s.replaceAll("'", "''")}'`;
