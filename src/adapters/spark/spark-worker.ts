import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { ClaimflowError } from '../../domain/errors.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The generic plan runner, the same script the Glue job runs. */
export const RUN_PLAN_SCRIPT = `${REPO}glue/run_plan.py`;
/** The virtualenv scripts/setup-python.sh fills (glue/requirements.txt). */
const VENV_PYTHON = `${REPO}.venv/bin/python`;
/**
 * The classes a Spark session loads, archived by a worker's JVM as it exits (class-data sharing): a
 * later worker's session starts in about half the time (measured on the 2-core machine: a session in
 * 4.1 s against 6.6-9.5 s, a first query in 6.0 s against 9.9-10.6 s). It lives in the virtualenv,
 * so rebuilding that drops it; a JVM whose build or class path differs from the archive's ignores it.
 */
const CLASS_ARCHIVE = `${REPO}.venv/spark-classes.jsa`;
/** How long Spark may take to start (a JVM, then a session) before the worker is given up. */
const START_TIMEOUT_MS = 180_000;
/** Lines of Spark's own output kept for an error message when the worker dies. */
const KEPT_LINES = 40;

export interface SparkWorkerOptions {
  /** Spark master URL; `local[*]` by default. */
  readonly master?: string;
  /** Spark settings, `key=value`, for the session (a cluster's, tuning). */
  readonly conf?: readonly string[];
  /** The Python with PySpark; default CLAIMFLOW_PYTHON, else the project's .venv. */
  readonly python?: string;
  /** Each line Spark writes to its output (logs); by default they are kept only for errors. */
  readonly onLog?: (line: string) => void;
  /** Where the JVM's class archive is kept (`false`: none); by default in the project's virtualenv. */
  readonly classArchive?: string | false;
}

/** What a finished plan reports. */
export interface SparkRunResult {
  /** Seconds the runner spent on the plan (read, statements, writes). */
  readonly seconds: number;
}

/** Spark cannot be started here: no Python with PySpark, or no Java. */
export class SparkUnavailableError extends ClaimflowError {
  readonly code = 'spark_unavailable';
}

/**
 * A plan failed in Spark, or the worker died. The message is Spark's first line, cut before any
 * quoted text, as Glue's errors are: Spark messages can quote row values.
 */
export class SparkRunError extends ClaimflowError {
  readonly code = 'spark_run';
}

type Reply =
  | { ready: true; spark: string; master: string }
  | { ok: true; seconds: number }
  | { ok: false; kind: string; error: string };

/** Spark's message without row values: its first line up to the first quote. */
export function withoutQuotedText(message: string): string {
  const cut = message.split('\n')[0]?.split(/['"`]/)[0]?.trim();
  return cut || 'message withheld: it began with quoted text';
}

/**
 * One long-lived `glue/run_plan.py --serve` process: a Spark session started once and reused by
 * every plan it runs, one at a time (a JVM and a session take seconds to start). The only place
 * claimflow starts Python or Spark.
 */
export class SparkWorker {
  private readonly child: ChildProcess;
  private readonly replies: AsyncIterator<string>;
  private readonly log: string[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;
  /** Spark's version and the master it runs on, once started. */
  version = '';
  master = '';

  private constructor(options: SparkWorkerOptions) {
    const python = options.python ?? process.env.CLAIMFLOW_PYTHON ?? VENV_PYTHON;
    if (!existsSync(python)) {
      throw new SparkUnavailableError(
        `no Python with PySpark at ${python}: run scripts/setup-python.sh (npm test runs it) or set CLAIMFLOW_PYTHON`,
      );
    }
    const args = [RUN_PLAN_SCRIPT, '--serve', '--reply-fd', '3', '--master', options.master ?? 'local[*]'];
    const archive = options.classArchive ?? (existsSync(`${REPO}.venv`) && CLASS_ARCHIVE);
    if (archive) args.push('--class-archive', archive);
    for (const setting of options.conf ?? []) args.push('--conf', setting);
    this.child = spawn(python, args, {
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYSPARK_PYTHON: python, PYTHONUNBUFFERED: '1' },
    });
    const keep = (line: string): void => {
      options.onLog?.(line);
      this.log.push(line);
      if (this.log.length > KEPT_LINES) this.log.shift();
    };
    for (const stream of [this.child.stdout, this.child.stderr] as Readable[]) {
      createInterface({ input: stream }).on('line', keep);
    }
    this.replies = createInterface({ input: this.child.stdio[3] as Readable })[Symbol.asyncIterator]();
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        keep(`spawn ${python}: ${error.message}`);
        this.exitCode = null;
        resolve(null);
      });
      this.child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
    });
  }

  /** Starts a worker and waits for its Spark session. */
  static async start(options: SparkWorkerOptions = {}): Promise<SparkWorker> {
    const worker = new SparkWorker(options);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new SparkUnavailableError(`Spark did not start in ${START_TIMEOUT_MS / 1000}s`)),
          START_TIMEOUT_MS,
        );
      });
      const ready = await Promise.race([worker.nextReply(), timeout]);
      if (!('ready' in ready)) throw new SparkUnavailableError('the Spark worker answered before it was ready');
      worker.version = ready.spark;
      worker.master = ready.master;
      return worker;
    } catch (error) {
      await worker.close();
      if (error instanceof SparkRunError) throw new SparkUnavailableError(error.message, { cause: error });
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs the plan at `planPath` (a path or URL Spark reads) of job `jobId`; plans run one at a time. */
  run(planPath: string, jobId: string): Promise<SparkRunResult> {
    const next = this.queue.then(async () => {
      if (this.exitCode !== undefined) throw this.died();
      (this.child.stdin as Writable).write(`${JSON.stringify({ plan: planPath, job_id: jobId })}\n`);
      const reply = await this.nextReply();
      if ('ready' in reply) throw new SparkRunError('the Spark worker answered out of turn');
      if (!reply.ok) throw new SparkRunError(`spark job ${jobId}: ${reply.kind}: ${withoutQuotedText(reply.error)}`);
      return { seconds: reply.seconds };
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ends the session: stdin closed, then the process killed if it has not exited within `graceMs`. */
  async close(graceMs = 30_000): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The process id, for tests that check it is gone. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private async nextReply(): Promise<Reply> {
    const line = await this.replies.next();
    if (line.done) {
      await this.exited;
      throw this.died();
    }
    return JSON.parse(line.value) as Reply;
  }

  private died(): SparkRunError {
    const last = this.log.filter((l) => /error|exception/i.test(l)).at(-1) ?? this.log.at(-1) ?? '';
    return new SparkRunError(
      `the Spark worker exited (code ${this.exitCode ?? 'none'})${last ? `: ${withoutQuotedText(last)}` : ''}`,
    );
  }
}
