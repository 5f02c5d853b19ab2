import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SparkWorker } from '../spark/spark-worker.ts';
import type { MotoEventsApi } from './events-api.ts';
import { runPlanLocally } from './glue-local-run.ts';

interface JobRun {
  readonly Id: string;
  readonly JobName: string;
  readonly Arguments: Record<string, string>;
  readonly StartedOn: number;
  JobRunState: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  ErrorMessage?: string;
  CompletedOn?: number;
  ExecutionTime?: number;
}

export interface GlueEmulatorOptions {
  /** The job of the template (`AWS::Glue::Job` Name); runs of other jobs are refused as Glue does. */
  readonly jobName: string;
  readonly s3: S3Client;
  readonly events: MotoEventsApi;
  /** Started on the first run (a JVM and a Spark session take seconds). */
  readonly startWorker: () => Promise<SparkWorker>;
  readonly workDir: string;
}

/**
 * The Glue API the functions call (StartJobRun, GetJobRun), answered by the emulator rather than
 * moto, whose Glue runs nothing: a run executes glue/run_plan.py on local Spark (runPlanLocally),
 * then its `Glue Job State Change` event goes to EventBridge (moto), whose rules deliver it as
 * they would on AWS. The functions reach it through AWS_ENDPOINT_URL_GLUE.
 */
export class GlueEmulator {
  readonly runs = new Map<string, JobRun>();
  private server: Server | undefined;
  private worker: Promise<SparkWorker> | undefined;
  private active = 0;

  constructor(private readonly options: GlueEmulatorOptions) {}

  async listen(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const target = String(request.headers['x-amz-target'] ?? '').replace(/^AWSGlue\./, '');
        const [status, body] = this.answer(target, JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get idle(): boolean {
    return this.active === 0;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    const worker = await this.worker?.catch(() => undefined);
    await worker?.close();
  }

  private answer(action: string, input: Record<string, unknown>): [number, unknown] {
    const notFound = (message: string): [number, unknown] => [400, { __type: 'EntityNotFoundException', message }];
    if (input.JobName !== this.options.jobName) return notFound(`Job ${String(input.JobName)} not found`);
    if (action === 'StartJobRun') {
      const run: JobRun = {
        Id: `jr_${randomBytes(32).toString('hex')}`,
        JobName: this.options.jobName,
        Arguments: { ...(input.Arguments as Record<string, string>) },
        StartedOn: Date.now() / 1000,
        JobRunState: 'RUNNING',
      };
      this.runs.set(run.Id, run);
      this.active += 1;
      void this.execute(run)
        // The run's state is kept (GetJobRun answers it); only its event did not reach EventBridge.
        .catch((error: unknown) =>
          process.stderr.write(`emulator: Glue run ${run.Id}'s state change: ${String(error)}\n`),
        )
        .finally(() => {
          this.active -= 1;
        });
      return [200, { JobRunId: run.Id }];
    }
    if (action === 'GetJobRun') {
      const run = this.runs.get(String(input.RunId));
      return run ? [200, { JobRun: run }] : notFound(`Job run ${String(input.RunId)} not found`);
    }
    return [400, { __type: 'InvalidInputException', message: `the emulator does not answer Glue ${action}` }];
  }

  private async execute(run: JobRun): Promise<void> {
    try {
      this.worker ??= this.options.startWorker();
      const plan = run.Arguments['--plan'];
      const jobId = run.Arguments['--job_id'];
      if (!plan || !jobId) throw new Error('the run has no --plan or --job_id argument');
      await runPlanLocally(this.options.s3, await this.worker, plan, jobId, join(this.options.workDir, run.Id));
      run.JobRunState = 'SUCCEEDED';
    } catch (error) {
      run.JobRunState = 'FAILED';
      run.ErrorMessage = error instanceof Error ? error.message : String(error);
    }
    run.CompletedOn = Date.now() / 1000;
    run.ExecutionTime = Math.round(run.CompletedOn - run.StartedOn);
    await this.options.events.putEvent({
      Source: 'aws.glue',
      DetailType: 'Glue Job State Change',
      Detail: {
        jobName: run.JobName,
        severity: run.JobRunState === 'SUCCEEDED' ? 'INFO' : 'ERROR',
        state: run.JobRunState,
        jobRunId: run.Id,
        message: run.JobRunState === 'SUCCEEDED' ? 'Job run succeeded' : 'Job run failed',
      },
    });
  }
}
