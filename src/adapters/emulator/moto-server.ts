import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ClaimflowError } from '../../domain/errors.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const LAUNCHER = `${REPO}emulator/moto_server.py`;
/** The virtualenv scripts/setup-python.sh fills (emulator/requirements.txt pins moto). */
const VENV_PYTHON = `${REPO}.venv/bin/python`;
const START_TIMEOUT_MS = 60_000;

/** moto cannot be started: no virtualenv with it, or it exited before listening. */
export class MotoUnavailableError extends ClaimflowError {
  readonly code = 'moto_unavailable';
}

/** The account and region moto answers for; the emulated stack's pseudo parameters. */
export const EMULATED_ACCOUNT = '123456789012';
export const EMULATED_REGION = 'us-east-1';

/** moto in server mode on 127.0.0.1, one process per emulation. */
export interface MotoServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts emulator/moto_server.py on a free loopback port. The server exits when its stdin closes,
 * so it goes with this process whatever way this process ends; `stop` closes it and waits.
 */
export async function startMotoServer(python = process.env.CLAIMFLOW_PYTHON ?? VENV_PYTHON): Promise<MotoServer> {
  if (!existsSync(python)) {
    throw new MotoUnavailableError(`no Python with moto at ${python}: run scripts/setup-python.sh`);
  }
  const child: ChildProcess = spawn(python, [LAUNCHER], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  createInterface({ input: child.stderr as Readable }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 20) stderr.shift();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let timer: NodeJS.Timeout | undefined;
  try {
    const port = await Promise.race([
      new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code) =>
          reject(new MotoUnavailableError(`moto exited with ${code} before listening: ${stderr.join(' | ')}`)),
        );
        createInterface({ input: child.stdout as Readable }).once('line', (line) => {
          resolve((JSON.parse(line) as { port: number }).port);
        });
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new MotoUnavailableError('moto did not listen within 60 s')), START_TIMEOUT_MS);
      }),
    ]);
    return {
      endpoint: `http://127.0.0.1:${port}`,
      stop: async () => {
        (child.stdin as Writable).end();
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
