import { basename } from 'node:path';
import { ClaimFileError, TransientError } from '../../domain/errors.ts';
import { describeError } from '../../domain/redact.ts';
import { sourceKeyOf, tableSourceKey } from '../source-key.ts';
import type { FileJobDeps, FileJobOptions, PlanningDeps } from './file-job-options.ts';
import { RecordLimitError } from './job-workspace.ts';
import { createStageTimer, type StageGauge, type Timed } from './stage-timer.ts';

/**
 * What every stage of one file job knows: the file, its settings, the ports, the stage timer.
 * The stages that only plan (profile, companions, conversion) take a context of `PlanningDeps`.
 */
export class JobContext<Deps extends PlanningDeps = FileJobDeps> {
  readonly fileName: string;
  readonly sourceKey: string;
  readonly startedAt: Date;
  /** Milliseconds per stage. */
  readonly timings: Record<string, number> = {};
  readonly timed: Timed;
  /** The file's rows once the engine has read them; shown by the stages after ingest. */
  rows: number | null = null;

  constructor(
    readonly path: string,
    readonly deps: Deps,
    readonly options: FileJobOptions,
  ) {
    this.fileName = basename(path);
    const sourceKey = options.sourceKey ?? sourceKeyOf(path);
    // A record file's job for another table keeps its quarantined rows apart from the first job's.
    this.sourceKey = options.recordTable ? tableSourceKey(sourceKey, options.recordTable) : sourceKey;
    this.startedAt = deps.clock.now();
    this.timed = createStageTimer(this.timings, (stage, gauge) => {
      deps.onStage?.(stage, gauge ?? (() => this.rowsGauge()));
      deps.logger.info('stage', { job_id: this.jobId, stage });
    });
  }

  get jobId(): string {
    return this.options.jobId;
  }

  /** A stage the engine gives no progress for: the file's rows when known, how far unknown. */
  private rowsGauge(): StageGauge {
    return { fraction: null, rows: this.rows, rowsEstimated: false, bytes: null };
  }

  /** The file is rejected whole by a file rule. */
  halt(ruleId: string, reason: string, cause?: unknown): ClaimFileError {
    return new ClaimFileError(this.fileName, ruleId, reason, { cause });
  }

  /**
   * Any error while reading means the file itself cannot be read (a record past the reader's bound
   * says so), except a transient one (S3 throttling), which is retried rather than blamed on the file.
   */
  async readOrHalt<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof ClaimFileError || error instanceof TransientError) throw error;
      if (error instanceof RecordLimitError) throw this.halt(error.code, error.message, error);
      throw this.halt('unreadable_file', describeError(error), error);
    }
  }
}
