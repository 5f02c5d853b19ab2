import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Layers point inward: domain <- plan <- pipeline <- adapters <- cli, web. Each layer lists what
 * it may import besides packages; cli and web are the edges that wire everything together.
 * Tests are not scanned: they may wire real adapters into any layer.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LAYERS = ['domain', 'plan', 'pipeline', 'adapters', 'cli', 'web'] as const;
type Layer = (typeof LAYERS)[number];
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  domain: ['domain'],
  plan: ['plan', 'domain'],
  pipeline: ['pipeline', 'plan', 'domain'],
  adapters: ['adapters', 'pipeline', 'plan', 'domain'],
  cli: LAYERS,
  web: LAYERS,
};
const EDGES: readonly Layer[] = ['cli', 'web'];

/** The file system, processes and SDKs are reached only through ports, which adapters implement. */
const IO_MODULE = /^(node:)?(fs|fs\/promises|child_process)$|^@duckdb\/|^@aws-sdk\/|^aws-cdk-lib(\/|$)/;
const IO_FREE: readonly Layer[] = ['domain', 'plan', 'pipeline'];
/** Pipeline is handed its engine; which dialect's SQL it runs is the caller's choice. */
const DIALECT_OBJECTS = ['src/plan/duckdb-dialect.ts', 'src/plan/spark-dialect.ts', 'src/plan/duckdb-ingest.ts'];

/** Every non-test `.ts` file under `dir`, as a path from the repository root. */
function sourceFiles(dir: string): string[] {
  return readdirSync(posix.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/**
 * The specifiers of static imports and re-exports (which start a line, so prose in a comment is
 * not taken for one), of side-effect imports and of dynamic `import('...')`.
 */
function importSpecifiers(source: string): string[] {
  const patterns = [
    /^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1] ?? ''));
}

function layerOf(path: string): Layer | undefined {
  const [top, layer] = path.split('/');
  return top === 'src' ? LAYERS.find((l) => l === layer) : undefined;
}

/** Why `file` may not import `specifier`; empty when it may. */
function reasonsAgainst(file: string, specifier: string): string[] {
  const from = layerOf(file);
  if (!from) return [`${file} is in no layer`];
  const reasons: string[] = [];
  if (specifier.startsWith('.')) {
    const to = layerOf(resolveSpecifier(file, specifier));
    if (!to && !EDGES.includes(from)) reasons.push(`${from} may not import outside the layers`);
    if (to && !MAY_IMPORT[from].includes(to)) reasons.push(`${from} may not import ${to}`);
  }
  if (IO_FREE.includes(from) && IO_MODULE.test(specifier)) reasons.push(`${from} may not do I/O`);
  if (from === 'pipeline' && DIALECT_OBJECTS.includes(resolveSpecifier(file, specifier))) {
    reasons.push('pipeline may not pick a dialect');
  }
  return reasons;
}

/** A relative specifier as a path from the repository root; a package as written. */
function resolveSpecifier(file: string, specifier: string): string {
  return specifier.startsWith('.') ? posix.join(posix.dirname(file), specifier) : specifier;
}

/** Every import under src that points outward, as `file -> import`, with its reasons. */
function outwardImports(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles('src')) {
    for (const specifier of importSpecifiers(readFileSync(posix.join(ROOT, file), 'utf8'))) {
      const reasons = reasonsAgainst(file, specifier);
      if (reasons.length > 0) found.set(`${file} -> ${resolveSpecifier(file, specifier)}`, reasons);
    }
  }
  return found;
}

describe('import direction', () => {
  const found = outwardImports();

  it('imports under src point inward, and domain, plan and pipeline do no I/O', () => {
    const unexpected = [...found];
    const listed = unexpected.map(([edge, reasons]) => `  ${edge} (${reasons.join('; ')})`);
    assert.ok(
      unexpected.length === 0,
      `${unexpected.length} import(s) point outward (domain <- plan <- pipeline <- adapters <- cli, web):\n${listed.join('\n')}`,
    );
  });

  it('reads every form of import specifier', () => {
    const source = [
      "import assert from 'node:assert';",
      "import type { A } from './a.ts';",
      'import {',
      '  b,',
      '  type C,',
      "} from '../b.ts';",
      "export { d } from './d.ts';",
      "export * from './e.ts';",
      "import './f.ts';",
      "const g = await import('./g.ts');",
      "// a comment saying we import x from 'nowhere' is not an import",
    ].join('\n');
    assert.deepEqual(importSpecifiers(source).sort(), [
      '../b.ts',
      './a.ts',
      './d.ts',
      './e.ts',
      './f.ts',
      './g.ts',
      'node:assert',
    ]);
  });
});
