import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

// Usage: tsx scripts/lambda-memory.ts --rows 50000,250000 [--files 1] [--etl-memory-mb 2048]
//        [--post-memory-mb 1024] [--month 2025-10] [--refdata ../shared/refdata]
// For each size: generates `--files` claim files of that many lines in one month (`claimflow
// generate`), runs the etl function's code path on each, then post-processing on the month they
// filled (the aggregations read every file of it), each in its own Node process holding the
// function's memory as AWS_LAMBDA_FUNCTION_MEMORY_SIZE (DuckDB's limit and threads follow from it),
// and prints each process's peak RSS against the function's memory. The code paths are bundled with
// esbuild like the deployed functions, so no TypeScript loader is in the measured process.
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '50000,100000' },
    files: { type: 'string', default: '1' },
    'etl-memory-mb': { type: 'string', default: '2048' },
    'post-memory-mb': { type: 'string', default: '1024' },
    month: { type: 'string', default: '2025-10' },
    refdata: { type: 'string', default: join(import.meta.dirname, '..', '..', 'shared', 'refdata') },
  },
});
const repo = join(import.meta.dirname, '..');
const work = await mkdtemp(join(tmpdir(), 'claimflow-lambda-memory-'));
const MIB = 2 ** 20;

function run(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repo, env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}

try {
  // The functions' bundling (infra/constructs/functions.ts): ESM, DuckDB and better-sqlite3 from node_modules.
  const bundle = join(work, 'child.mjs');
  await symlink(join(repo, 'node_modules'), join(work, 'node_modules'));
  await build({
    entryPoints: [join(repo, 'scripts', 'lambda-memory-child.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    minify: true,
    external: ['@duckdb/*', 'better-sqlite3'],
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
    logLevel: 'error',
  });
  for (const rows of values.rows.split(',').map(Number)) {
    const root = join(work, `root-${rows}`);
    await mkdir(join(root, 'refdata'), { recursive: true });
    await cp(values.refdata, join(root, 'refdata'), { recursive: true });
    const etlMb = Number(values['etl-memory-mb']);
    const postMb = Number(values['post-memory-mb']);
    let etlPeak = 0;
    let etlSeconds = 0;
    let fileBytes = 0;
    let task: unknown;
    for (let seed = 1; seed <= Number(values.files); seed++) {
      const file = join(work, `claims-${rows}-${seed}.csv`);
      const generate = [
        'generate',
        '--rows',
        String(rows),
        '--out',
        file,
        '--month',
        values.month,
        '--seed',
        String(seed),
      ];
      await run([join(repo, 'bin', 'claimflow.js'), ...generate]);
      fileBytes = Math.max(fileBytes, (await stat(file)).size);
      const etl = JSON.parse(
        await run([bundle, 'etl', root, file], { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(etlMb) }),
      );
      etlPeak = Math.max(etlPeak, etl.maxRssBytes);
      etlSeconds = Math.max(etlSeconds, etl.seconds);
      task = etl.task;
      await rm(file, { force: true });
    }
    const post = JSON.parse(
      await run([bundle, 'post', root, JSON.stringify(task)], { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(postMb) }),
    );
    const peak = (bytes: number, mb: number, seconds: number) => ({
      function_mb: mb,
      seconds: Math.round(seconds),
      peak_rss_mib: Math.round(bytes / MIB),
      margin_pct: Math.round((1 - bytes / MIB / mb) * 100),
    });
    const figure = {
      rows,
      files: Number(values.files),
      file_mib: Math.round((fileBytes / MIB) * 10) / 10,
      etl: peak(etlPeak, etlMb, etlSeconds),
      post_processing: peak(post.maxRssBytes, postMb, post.seconds),
    };
    process.stdout.write(`${JSON.stringify(figure)}\n`);
    await rm(root, { recursive: true, force: true });
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
