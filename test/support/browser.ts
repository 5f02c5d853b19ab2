import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Browser, chromium } from 'playwright-core';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** Unpacked browsers, one folder per package version, beside the other tool caches in node_modules. */
const CACHE = join(REPO, 'node_modules', '.cache', 'claimflow-chromium');
/** Flags for a headless run as root on a machine whose network reaches only package registries. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The Chromium that the npm package @sparticuz/chromium ships (brotli-packed inside the package),
 * so `npm install` is all a machine needs: no system browser, no browser download. The package
 * unpacks into the OS temp folder, where two test files starting together would race; here it
 * unpacks in a child process into a private folder that is then renamed into the cache whole.
 */
async function findChromium(): Promise<string> {
  const pkg = JSON.parse(
    await readFile(join(REPO, 'node_modules', '@sparticuz', 'chromium', 'package.json'), 'utf8'),
  ) as { version: string };
  const folder = join(CACHE, pkg.version);
  const executable = join(folder, 'chromium');
  if (existsSync(executable)) return executable;
  await mkdir(CACHE, { recursive: true });
  const staging = await mkdtemp(join(CACHE, '.unpacking-'));
  try {
    const script = "const { default: c } = await import('@sparticuz/chromium'); await c.executablePath();";
    await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: REPO,
      env: { ...process.env, TMPDIR: staging },
    });
    await rename(staging, folder).catch((error: NodeJS.ErrnoException) => {
      // Another test file unpacked the same version first: use its copy.
      if (!existsSync(executable)) throw error;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return executable;
}

/** Starts headless Chromium for a browser test; the caller closes it (in `after` or `finally`). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: await findChromium(), args: CHROMIUM_ARGS });
}
