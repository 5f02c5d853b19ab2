import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { EmulatedFunction } from './emulated-function.ts';

/**
 * The Lambda runtime's part, in the function's own process: reads the event on stdin, imports the
 * bundle's handler module and calls it, and replies on fd 3 with the result or the error and the
 * process's peak resident memory. The process then exits: every invocation is a cold container.
 */
const RUNTIME = `import { readFileSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [taskDir, handler, requestId, memory, deadline] = process.argv.slice(2);
// The emulator gone (killed), the function goes too: no orphan keeps running.
const parent = process.ppid;
setInterval(() => { if (process.ppid !== parent) process.exit(137); }, 500).unref();
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const dot = handler.lastIndexOf('.');
// VmHWM is this address space's peak since exec; getrusage's maxRSS also counts the emulator's
// own resident size at the fork, so a function started beside a large upload seemed to use it.
const peakKb = () => Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
const reply = (message) => writeSync(3, JSON.stringify({ ...message, maxRssKb: peakKb() }) + '\\n');
const context = {
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, memoryLimitInMB: memory, awsRequestId: requestId,
  getRemainingTimeInMillis: () => Number(deadline) - Date.now(), callbackWaitsForEmptyEventLoop: false,
};
try {
  const module = await import(pathToFileURL(taskDir + '/' + handler.slice(0, dot) + '.mjs').href);
  const result = await module[handler.slice(dot + 1)](event, context);
  reply({ ok: true, result: result ?? null });
} catch (error) {
  reply({ ok: false, errorType: error?.name ?? 'Error', errorMessage: String(error?.message ?? error) });
}
process.exit(0);
`;

/** How one invocation ended. */
export type InvocationOutcome =
  | { readonly ok: true; readonly result: unknown; readonly peakRssMb: number; readonly seconds: number }
  | {
      readonly ok: false;
      /** The handler's error name, or the emulator's verdict: Runtime.OutOfMemory, Sandbox.Timedout, Runtime.ExitError. */
      readonly errorType: string;
      readonly errorMessage: string;
      readonly peakRssMb: number;
      readonly seconds: number;
    };

export interface InvocationHooks {
  /** The function's process started (tests kill it here or on a log line). */
  readonly started?: (fn: EmulatedFunction, pid: number) => void;
  /** Each line the function wrote to stdout or stderr (what Lambda sends to CloudWatch Logs). */
  readonly log?: (fn: EmulatedFunction, line: string, pid: number) => void;
}

/** How often the resident memory is read to hold the function to its memory size. */
const RSS_POLL_MS = 50;

/**
 * Runs functions' bundles in separate Node processes. Each function gets a task folder laid out as
 * Lambda lays out /var/task and /opt: the bundle's files, and `node_modules` from its layers.
 * Held to the function's settings: the V8 heap to its memory (`--max-old-space-size`), the
 * process's resident memory (read every 50 ms from /proc, killed above the memory size, as Lambda
 * ends a function over its memory), the timeout (killed), and a /tmp of its own per invocation.
 */
export class LambdaProcesses {
  private readonly taskDirs = new Map<string, string>();
  private readonly running = new Set<ChildProcess>();

  constructor(
    private readonly workDir: string,
    /** Variables every function gets besides its own: endpoints and credentials of the emulator. */
    private readonly runtimeEnv: Readonly<Record<string, string>>,
    private readonly hooks: InvocationHooks = {},
  ) {}

  async invoke(fn: EmulatedFunction, event: unknown): Promise<InvocationOutcome> {
    const taskDir = await this.taskDir(fn);
    const requestId = randomUUID();
    const tmp = join(this.workDir, 'tmp', requestId);
    await mkdir(tmp, { recursive: true });
    const started = performance.now();
    const deadline = Date.now() + fn.timeoutSeconds * 1000;
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${fn.memoryMb}`,
        join(this.workDir, 'runtime.mjs'),
        taskDir,
        fn.handler,
        requestId,
        String(fn.memoryMb),
        String(deadline),
      ],
      {
        cwd: taskDir,
        stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '',
          ...fn.environment,
          ...this.runtimeEnv,
          AWS_LAMBDA_FUNCTION_NAME: fn.name,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
          CLAIMFLOW_TMP_DIR: join(tmp, 'claimflow'),
          TMPDIR: tmp,
        },
      },
    );
    this.running.add(child);
    const pid = child.pid ?? -1;
    let peakKb = 0;
    let verdict: { errorType: string; errorMessage: string } | undefined;
    const watch = setInterval(() => {
      const kb = residentKb(pid);
      peakKb = Math.max(peakKb, kb);
      if (kb > fn.memoryMb * 1024 && !verdict) {
        verdict = {
          errorType: 'Runtime.OutOfMemory',
          errorMessage: `resident memory ${Math.round(kb / 1024)} MB over ${fn.memoryMb} MB`,
        };
        child.kill('SIGKILL');
      }
    }, RSS_POLL_MS);
    const timer = setTimeout(() => {
      verdict ??= { errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${fn.timeoutSeconds} seconds` };
      child.kill('SIGKILL');
    }, fn.timeoutSeconds * 1000);
    for (const stream of [child.stdout, child.stderr] as Readable[]) {
      createInterface({ input: stream }).on('line', (line) => this.hooks.log?.(fn, line, pid));
    }
    const replies: string[] = [];
    createInterface({ input: child.stdio[3] as Readable }).on('line', (line) => replies.push(line));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal })),
    );
    this.hooks.started?.(fn, pid);
    (child.stdin as Writable).end(JSON.stringify(event));
    const { code, signal } = await exited;
    this.running.delete(child);
    clearInterval(watch);
    clearTimeout(timer);
    await rm(tmp, { recursive: true, force: true });
    const seconds = (performance.now() - started) / 1000;
    const reply = replies[0]
      ? (JSON.parse(replies[0]) as { ok: boolean; maxRssKb?: number } & Record<string, unknown>)
      : undefined;
    const peakRssMb = Math.round(Math.max(peakKb, reply?.maxRssKb ?? 0) / 1024);
    if (verdict) return { ok: false, ...verdict, peakRssMb, seconds };
    if (!reply) {
      const errorMessage = `the function's process exited (${signal ?? `code ${code}`}) without a reply`;
      return { ok: false, errorType: 'Runtime.ExitError', errorMessage, peakRssMb, seconds };
    }
    if (reply.ok) return { ok: true, result: reply.result, peakRssMb, seconds };
    return {
      ok: false,
      errorType: String(reply.errorType),
      errorMessage: String(reply.errorMessage),
      peakRssMb,
      seconds,
    };
  }

  /** Ends every function process still running (the emulator is stopping). */
  killAll(): void {
    for (const child of this.running) child.kill('SIGKILL');
  }

  /** /var/task and /opt of a function: its bundle copied (imports resolve from the real path), its layers' modules linked. */
  private async taskDir(fn: EmulatedFunction): Promise<string> {
    const known = this.taskDirs.get(fn.logicalId);
    if (known) return known;
    const dir = join(this.workDir, 'task', fn.logicalId);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    for (const name of await readdir(fn.codeDir)) await copyFile(join(fn.codeDir, name), join(dir, name));
    const [layer] = fn.layerDirs;
    if (layer) await symlink(join(layer, 'nodejs', 'node_modules'), join(dir, 'node_modules'));
    await writeFile(join(this.workDir, 'runtime.mjs'), RUNTIME);
    this.taskDirs.set(fn.logicalId, dir);
    return dir;
  }
}

/** VmRSS of a process in kB (0 once it is gone). */
function residentKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}
