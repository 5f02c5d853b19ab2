import { basename } from 'node:path';
import { ClaimFileError } from '../../domain/errors.ts';
import { describeError } from '../../domain/redact.ts';
import { sourceKeyOf } from '../source-key.ts';
import type { FileJobDeps, FileJobOptions } from './file-job-options.ts';
import { RecordLimitError } from './job-workspace.ts';
import { createStageTimer, type Timed } from './stage-timer.ts';

/** What every stage of one file job knows: the file, its settings, the ports, the stage timer. */
export class JobContext {
  readonly fileName: string;
  readonly sourceKey: string;
  readonly startedAt: Date;
  /** Milliseconds per stage. */
  readonly timings: Record<string, number> = {};
  readonly timed: Timed;

  constructor(
    readonly path: string,
    readonly deps: FileJobDeps,
    readonly options: FileJobOptions,
  ) {
    this.fileName = basename(path);
    this.sourceKey = options.sourceKey ?? sourceKeyOf(path);
    this.startedAt = deps.clock.now();
    this.timed = createStageTimer(this.timings, (stage) => {
      deps.onStage?.(stage);
      deps.logger.info('stage', { job_id: this.jobId, stage });
    });
  }

  get jobId(): string {
    return this.options.jobId;
  }

  /** The file is rejected whole by a file rule. */
  halt(ruleId: string, reason: string, cause?: unknown): ClaimFileError {
    return new ClaimFileError(this.fileName, ruleId, reason, { cause });
  }

  /** Any error while reading means the file itself cannot be read (a record past the reader's bound says so). */
  async readOrHalt<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch (error) {
      if (error instanceof ClaimFileError) throw error;
      if (error instanceof RecordLimitError) throw this.halt(error.code, error.message, error);
      throw this.halt('unreadable_file', describeError(error), error);
    }
  }
}
