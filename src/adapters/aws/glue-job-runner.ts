import {
  ConcurrentRunsExceededException,
  GetJobRunCommand,
  type GlueClient,
  type JobRunState,
  StartJobRunCommand,
} from '@aws-sdk/client-glue';
import { ClaimflowError, TransientError } from '../../domain/errors.ts';
import { GLUE_WORKER_TYPE } from '../../plan/glue-workers.ts';
import { callAws } from './aws-error.ts';

/** Where a Glue job run stands. */
export interface GlueRunState {
  readonly runId: string;
  readonly state: JobRunState;
  /** The run will not change state again. */
  readonly finished: boolean;
  readonly succeeded: boolean;
  /** Glue's error message, cut at its first quote: Spark messages can quote data values. */
  readonly error: string | null;
  readonly executionSeconds: number | null;
  /** The run's job arguments (`--job_id`, `--plan`), which Glue's state-change events do not carry. */
  readonly arguments: Readonly<Record<string, string>>;
}

/** Glue answered without the run it was asked for. */
export class GlueRunError extends ClaimflowError {
  readonly code = 'glue_run';
  constructor(
    readonly jobName: string,
    readonly problem: string,
  ) {
    super(`glue job ${jobName}: ${problem}`);
  }
}

const FINISHED: ReadonlySet<JobRunState> = new Set(['SUCCEEDED', 'FAILED', 'STOPPED', 'TIMEOUT', 'ERROR', 'EXPIRED']);

/** Starts runs of one Glue job and reads their state; throttling and server faults become TransientError. */
export class GlueJobRunner {
  constructor(
    private readonly client: GlueClient,
    private readonly jobName: string,
  ) {}

  /**
   * Starts a run with the given job arguments (`--name`: value) and returns its id; `workers`, when
   * given, replaces the job's worker count for this run (with auto-scaling, its ceiling).
   */
  async start(args: Readonly<Record<string, string>>, workers?: number): Promise<string> {
    const sizing = workers === undefined ? {} : { WorkerType: GLUE_WORKER_TYPE, NumberOfWorkers: workers };
    const output = await callAws('glue:StartJobRun', async () => {
      try {
        return await this.client.send(
          new StartJobRunCommand({ JobName: this.jobName, Arguments: { ...args }, ...sizing }),
        );
      } catch (error) {
        // The job's run limit is reached: a run that ends frees a slot, so a later start succeeds.
        if (!(error instanceof ConcurrentRunsExceededException)) throw error;
        throw new TransientError(`glue job ${this.jobName}: ConcurrentRunsExceededException`, { cause: error });
      }
    });
    if (!output.JobRunId) throw new GlueRunError(this.jobName, 'StartJobRun returned no run id');
    return output.JobRunId;
  }

  /** The state and arguments of a run (`glueRunState`), via GetJobRun. */
  async runState(runId: string): Promise<GlueRunState> {
    const { JobRun: run } = await callAws('glue:GetJobRun', () =>
      this.client.send(new GetJobRunCommand({ JobName: this.jobName, RunId: runId })),
    );
    if (!run?.JobRunState) throw new GlueRunError(this.jobName, `no state for run ${runId}`);
    const message = run.ErrorMessage?.split('\n')[0]?.split(/['"`]/)[0]?.trim();
    const error = run.ErrorMessage ? message || 'message withheld: it began with quoted text' : null;
    return {
      runId,
      state: run.JobRunState,
      finished: FINISHED.has(run.JobRunState),
      succeeded: run.JobRunState === 'SUCCEEDED',
      error,
      executionSeconds: run.ExecutionTime ?? null,
      arguments: { ...run.Arguments },
    };
  }
}
