import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before } from 'node:test';
import { DuckDbEngine } from '../../src/adapters/duckdb/duckdb-engine.ts';
import { codeSetTable } from '../../src/adapters/duckdb/load-code-sets.ts';
import { createLocalInputFiles } from '../../src/adapters/local-store/local-input-files.ts';
import { HEAD_BYTES } from '../../src/domain/detect-format.ts';
import type { FileJobDeps, FileJobOptions } from '../../src/pipeline/file-job/file-job-options.ts';
import { JobContext } from '../../src/pipeline/file-job/job-context.ts';
import type { JobWorkspace } from '../../src/pipeline/file-job/job-workspace.ts';
import { createFileSettings } from '../../src/pipeline/file-settings.ts';
import { runConfigSchema } from '../../src/pipeline/run-config.ts';
import { tempDir } from './cli.ts';
import { MemoryObjectStore } from './memory-object-store.ts';

/** The file settings of the default run config: run date 2026-01-01, no reference lists, DuckDB's code-set table. */
export const fileSettingsFor = createFileSettings(
  runConfigSchema.parse({}),
  { runDate: '2026-01-01' },
  new Set(),
  codeSetTable,
);

/** What a file-job unit test runs against; each accessor throws outside the test file's hooks. */
export interface FileJobHarness {
  /** An in-memory store, its scratch folders real temp folders. */
  readonly store: MemoryObjectStore;
  /** A `:memory:` DuckDB. */
  readonly engine: DuckDbEngine;
  /** A temp folder for the test's input files. */
  readonly dir: string;
  /** Writes `content` as `name` (a path under `dir`, its folders made) and returns the file's path. */
  write(name: string, content: string | Buffer): Promise<string>;
  /**
   * A job over `path` with the default settings (job id `job-<name>`, mode `run`) and the harness's ports
   * (a fixed clock, a silent logger, local input files); `options` and `deps` override them.
   */
  jobContext(path: string, options?: Partial<FileJobOptions>, deps?: Partial<FileJobDeps>): JobContext;
  /** A workspace of `jobId`, disposed and its scratch dropped after `use`. */
  withWorkspace<T>(jobId: string, use: (ws: JobWorkspace, scratch: string) => Promise<T>): Promise<T>;
  /** A workspace of `jobId` that lives until the test file's `after`, which disposes it before the engine closes. */
  openWorkspace(jobId: string): Promise<JobWorkspace>;
}

/**
 * Registers the hooks of a file-job test file (call it inside the `describe`): `before` opens the store,
 * the engine and a temp folder named after `name`; `after` disposes the open workspaces, closes the engine,
 * drops the store's scratch and removes the folder. `after` closes whatever was opened, every step tried
 * even when one fails, so a `before` that failed half-way leaves nothing behind either.
 */
export function fileJobHarness(name: string): FileJobHarness {
  let store: MemoryObjectStore | undefined;
  let engine: DuckDbEngine | undefined;
  let dir: string | undefined;
  const workspaces: JobWorkspace[] = [];

  const opened = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`file-job harness: no ${what} (used outside the tests, or before failed)`);
    return value;
  };

  before(async () => {
    store = new MemoryObjectStore();
    engine = await DuckDbEngine.open({ path: ':memory:' });
    dir = await tempDir(name);
  });
  after(async () => {
    await closeAll([
      ...workspaces
        .splice(0)
        .reverse()
        .map((ws) => () => ws.dispose()),
      () => engine?.close(),
      () => store?.dropAllScratch(),
      () => (dir ? rm(dir, { recursive: true, force: true }) : undefined),
    ]);
    engine = undefined;
    store = undefined;
    dir = undefined;
  });

  const harness: FileJobHarness = {
    get store() {
      return opened(store, 'store');
    },
    get engine() {
      return opened(engine, 'engine');
    },
    get dir() {
      return opened(dir, 'temp folder');
    },
    async write(file, content) {
      const path = join(harness.dir, file);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
      return path;
    },
    jobContext(path, options = {}, deps = {}) {
      const ports: FileJobDeps = {
        engine: harness.engine,
        store: harness.store,
        clock: { now: () => new Date('2026-01-02T03:04:05Z') },
        logger: { info: () => {}, warn: () => {}, error: () => {} },
        files: createLocalInputFiles(HEAD_BYTES),
        ...deps,
      };
      return new JobContext(path, ports, { ...fileSettingsFor(path), jobId: `job-${name}`, mode: 'run', ...options });
    },
    async withWorkspace(jobId, use) {
      const scratch = await harness.store.scratchDir(jobId);
      const ws = harness.engine.openWorkspace(jobId, scratch);
      try {
        return await use(ws, scratch);
      } finally {
        await closeAll([() => ws.dispose(), () => harness.store.dropScratch(jobId)]);
      }
    },
    async openWorkspace(jobId) {
      const ws = harness.engine.openWorkspace(jobId, await harness.store.scratchDir(jobId));
      workspaces.push(ws);
      return ws;
    },
  };
  return harness;
}

/** Runs every step in order, even after one fails; then throws the first failure. */
async function closeAll(steps: ReadonlyArray<() => unknown>): Promise<void> {
  const failures: unknown[] = [];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      failures.push(error);
    }
  }
  if (failures.length > 0) throw failures[0];
}
