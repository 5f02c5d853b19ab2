import assert from 'node:assert/strict';
import { type SpawnOptions, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDbEngine } from '../../src/adapters/duckdb/duckdb-engine.ts';
import { PREFIXES } from '../../src/domain/store-layout.ts';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';

export const BIN = fileURLToPath(new URL('../../bin/claimflow.js', import.meta.url));

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI in a child process, as a user would. */
export function claimflow(...args: string[]): Promise<CliResult> {
  return claimflowWithEnv({}, ...args);
}

/** `claimflow` with variables added to the environment (keys, tokens). */
export function claimflowWithEnv(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return runNode([BIN, ...args], env);
}

/** An operating-system account to run a child as (only root may choose one). */
export interface RunAs {
  readonly uid: number;
  readonly gid: number;
}

/** `claimflow` run as another account, e.g. one a folder is read-only to even when the tests run as root. */
export function claimflowAs(user: RunAs, ...args: string[]): Promise<CliResult> {
  return runNode([BIN, ...args], {}, user);
}

/** Runs node with `args` in a child process (as `user`, if given) and collects its output. */
export function runNode(args: readonly string[], env: Record<string, string> = {}, user?: RunAs): Promise<CliResult> {
  return runProcess(process.execPath, args, {
    env: { ...process.env, ...env },
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
}

/** Runs a shell pipeline (e.g. `claimflow ... | head`) and collects its output. */
export function runShell(command: string): Promise<CliResult> {
  return runProcess('sh', ['-c', command], {});
}

/** Runs a Python script with `input` on stdin and returns its stdout; rejects on a non-zero exit. */
export async function runPython(script: string, input: string): Promise<string> {
  const result = await runProcess('python3', [script], {}, input);
  if (result.code !== 0) throw new Error(`${script}: exit ${result.code}\n${result.stderr}`);
  return result.stdout;
}

/** Runs a command in a child process, `input` (if any) on its stdin, and collects its output. */
function runProcess(
  command: string,
  args: readonly string[],
  options: SpawnOptions,
  input?: string,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...options,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** The inputs' runs with each file's report read back, by base name. */
export interface RunWithReports {
  readonly code: number;
  readonly stderr: string;
  readonly reports: Record<string, ValidationReport>;
}

/** `claimflow run --json` over the inputs (exit 0 or 2 expected), with each file's report read back. */
export async function runWithReports(root: string, inputs: string[], ...flags: string[]): Promise<RunWithReports> {
  const result = await claimflow('run', ...inputs, '--root', root, '--json', ...flags);
  assert.ok(result.code === 0 || result.code === 2, `exit ${result.code}: ${result.stderr}`);
  const summary = JSON.parse(result.stdout) as RunJson;
  const reports: Record<string, ValidationReport> = {};
  for (const f of summary.files) {
    const location = f.validation?.report_location ?? assert.fail(`${f.file}: no report`);
    reports[f.file.split('/').pop() ?? ''] = JSON.parse(await readFile(location, 'utf8'));
  }
  return { code: result.code, stderr: result.stderr, reports };
}

/** Lines in the root's warehouse per file name, read through the real `query` command. */
export async function linesByFile(root: string): Promise<Array<{ file_name: string; n: number }>> {
  const query = await claimflow(
    'query',
    'SELECT file_name, COUNT(*) + SUM(0) AS n FROM medical_claim GROUP BY ALL ORDER BY 1',
    '--root',
    root,
    '--format',
    'json',
  );
  assert.equal(query.code, 0, query.stderr);
  return JSON.parse(query.stdout) as Array<{ file_name: string; n: number }>;
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
  /** Inputs found in a folder that are not claim files, each with the reason. */
  skipped?: Array<{ file: string; reason: string }>;
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

/** Starts the CLI as a long-running child (e.g. `watch`) whose stderr can be waited on. */
export function startClaimflow(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
    for (const w of [...waiters]) {
      if (w.pattern.test(stderr)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  child.stdout.resume();
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    exited,
    stderr: () => stderr,
    /** Resolves when stderr has matched `pattern` (or rejects after `ms`). */
    waitFor(pattern: RegExp, ms = 60_000): Promise<void> {
      if (pattern.test(stderr)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; stderr:\n${stderr}`)), ms);
        waiters.push({
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}

/**
 * A fingerprint of everything published (claims and quarantined rows) that ignores only the
 * per-attempt lineage (job id, ingest time): equal fingerprints mean no row lost or doubled.
 */
export async function publishedFingerprint(
  root: string,
): Promise<{ claims: number; quarantined: number; digest: string }> {
  const digest = async (glob: string, exclude: string) => {
    const [files] = await sql(`SELECT COUNT(*) AS n FROM glob(${lit(glob)})`);
    if (Number(files?.n) === 0) return { n: 0, d: '' };
    const [row] = await sql(
      `SELECT COUNT(*) AS n, md5(COALESCE(string_agg(t::VARCHAR, '\n' ORDER BY t::VARCHAR), '')) AS d
       FROM (SELECT * EXCLUDE (${exclude}) FROM read_parquet(${lit(glob)}, union_by_name = true)) AS t`,
    );
    return { n: Number(row?.n ?? 0), d: String(row?.d ?? '') };
  };
  const claims = await digest(`${root}/${PREFIXES.processedClaims}*/*/*.parquet`, 'job_id, ingest_datetime');
  const quarantine = await digest(`${root}/${PREFIXES.quarantineRows}*.parquet`, 'job_id, ingest_datetime');
  return { claims: claims.n, quarantined: quarantine.n, digest: `${claims.d}:${quarantine.d}` };
}

/** Lines in the warehouse's medical_claim view, asked through the real `query` command. */
export async function warehouseLineCount(root: string): Promise<number> {
  const result = await claimflow(
    'query',
    'SELECT COUNT(*) AS n FROM medical_claim',
    '--root',
    root,
    '--format',
    'json',
  );
  if (result.code !== 0) throw new Error(`query failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as Array<{ n: number }>)[0]?.n ?? 0;
}
