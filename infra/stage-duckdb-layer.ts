import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClaimflowError } from '../src/domain/errors.ts';

/** Lambda runs linux-x64 with glibc; only that native binding goes into the layer. */
const PACKAGES = ['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-linux-x64', 'detect-libc'];

/** The installed node_modules cannot make the DuckDB layer (typically: installed on macOS or Windows). */
export class DuckdbLayerError extends ClaimflowError {
  readonly code = 'duckdb_layer';
  constructor(readonly missing: string) {
    super(
      `cannot build the DuckDB layer: ${missing} is not installed; synthesize on linux x64, or run ` +
        '`npm install --no-save --os=linux --cpu=x64 @duckdb/node-bindings-linux-x64`',
    );
  }
}

export interface StagedLayer {
  /** Folder laid out `nodejs/node_modules/...`, as Lambda expects a Node.js layer. */
  readonly dir: string;
  /** Names the content (DuckDB version and platform), so CDK need not hash 70 MB on every synth. */
  readonly hash: string;
}

/**
 * Copies the installed DuckDB packages into a Lambda layer layout, once per DuckDB version: the
 * copy is made beside the final folder and renamed into place, so concurrent synths never see half.
 */
export function stageDuckdbLayer(repoRoot: string): StagedLayer {
  const modules = join(repoRoot, 'node_modules');
  for (const name of PACKAGES) if (!existsSync(join(modules, name, 'package.json'))) throw new DuckdbLayerError(name);
  const { version } = JSON.parse(readFileSync(join(modules, '@duckdb/node-api/package.json'), 'utf8')) as {
    version: string;
  };
  const hash = `duckdb-node-api-${version}-linux-x64`;
  // No dots in the folder name: CDK would take the last one for a file extension.
  const dir = join(tmpdir(), `claimflow-layer-${hash.replace(/[^A-Za-z0-9-]/g, '-')}`);
  if (existsSync(join(dir, 'nodejs'))) return { dir, hash };
  const staging = mkdtempSync(`${dir}.staging-`);
  for (const name of PACKAGES) {
    cpSync(join(modules, name), join(staging, 'nodejs/node_modules', name), { recursive: true, dereference: true });
  }
  try {
    renameSync(staging, dir);
  } catch (error) {
    // Another synth finished the same copy first; theirs is identical.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(dir, 'nodejs'))) throw error;
  }
  return { dir, hash };
}
