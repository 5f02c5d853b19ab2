import { reportKey } from '../domain/store-layout.ts';
import type { ObjectStore } from '../pipeline/object-store.ts';
import type { Logger } from '../pipeline/ports.ts';
import { type FileOutcome, totalsOf } from '../pipeline/run-pipeline.ts';
import { type FileSignal, type Gates, judgeFile } from '../pipeline/run-signals.ts';
import type { ValidationReport } from '../pipeline/validation-report.ts';
import {
  describeFailure,
  exitCodeOf,
  failureLines,
  fileLines,
  type RefdataUse,
  type SkippedInput,
  tallyLine,
  whyLines,
} from './run-report.ts';

/** The event shapes the reporter reads (DESIGN.md's message contracts). */
interface WatchedEvent {
  readonly event_type?: string;
  readonly job_id?: string;
  readonly status?: string;
  readonly input_file?: string;
  readonly duplicate_of?: string;
  readonly error_type?: string;
  readonly error_message?: string;
  readonly context?: { readonly job_id?: string };
}

/**
 * What `watch` prints: a line per finished file as its job ends (or a JSON line with `--json`),
 * and at the end the run's totals, reasons and tally, like `run`. It reads the event log's
 * records as they are written and the logger's `object ignored` lines (files that are not claims).
 */
export class WatchReporter {
  private readonly outcomes: FileOutcome[] = [];
  private readonly signals: FileSignal[] = [];
  private readonly skipped: SkippedInput[] = [];
  private readonly errors = new Map<string, { type: string; message: string }>();
  private printing: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: {
      readonly json: boolean;
      readonly gates: Gates;
      readonly store: ObjectStore;
      readonly refdata: RefdataUse;
    },
  ) {}

  /** Sees each event as it is recorded. */
  observe(event: object): void {
    const e = event as WatchedEvent;
    const jobId = e.job_id ?? e.context?.job_id;
    if (e.event_type === 'error' && jobId)
      this.errors.set(jobId, { type: e.error_type ?? 'system', message: e.error_message ?? '' });
    if (e.event_type === 'delivery_skipped')
      this.skip({ file: e.input_file ?? '', reason: `the same content as job ${e.duplicate_of}` });
    if (e.event_type === 'job_status_update' && jobId && (e.status === 'SUCCEEDED' || e.status === 'FAILED')) {
      const file = e.input_file ?? '';
      this.printing = this.printing.then(() => this.finish(jobId, file, e.status as 'SUCCEEDED' | 'FAILED'));
    }
  }

  /** The logger `watch` hands the handlers: it also sees which inbox files were ignored, and why. */
  watchLogger(logger: Logger): Logger {
    return {
      info: (message, fields) => {
        if (
          message === 'object ignored' &&
          typeof fields?.reason === 'string' &&
          fields.reason.startsWith('not a claim')
        )
          this.skip({ file: String(fields.file), reason: fields.reason });
        logger.info(message, fields);
      },
      warn: (message, fields) => logger.warn(message, fields),
      error: (message, fields) => logger.error(message, fields),
    };
  }

  /** Prints the totals and tally once every file line is out; returns the exit code. */
  async close(): Promise<number> {
    await this.printing;
    const code = exitCodeOf(this.signals);
    const summary = { files: this.outcomes, ...totalsOf(this.outcomes) };
    const why = whyLines(summary, this.options.refdata, this.skipped);
    const tally = tallyLine(this.signals, this.skipped.length);
    if (this.options.json) {
      const count = (v: string): number => this.signals.filter((s) => s.verdict === v).length;
      this.write({
        event: 'summary',
        totals: summary.totals,
        totals_by_table: summary.totals_by_table,
        not_counted: summary.not_counted,
        notes: why.map((l) => l.trim()),
        verdicts: {
          pass: count('pass'),
          warn: count('warn'),
          fail: count('fail'),
          error: count('error'),
          skip: this.skipped.length,
        },
        exit_code: code,
      });
    } else {
      const t = summary.totals;
      process.stdout.write(
        [
          `  rows in ${t.input_rows}, valid ${t.valid_rows}, quarantined ${t.quarantined_rows}, duplicates removed ${t.duplicates_removed}, processed ${t.processed_rows}`,
          ...why,
          tally,
          '',
        ].join('\n'),
      );
    }
    return code;
  }

  private skip(skipped: SkippedInput): void {
    this.skipped.push(skipped);
    if (this.options.json) this.write({ event: 'skipped', ...skipped });
    else process.stdout.write(`  SKIP   ${skipped.file}  (${skipped.reason})\n`);
  }

  private async finish(jobId: string, file: string, status: 'SUCCEEDED' | 'FAILED'): Promise<void> {
    const report = await this.options.store
      .readText(reportKey(jobId, 'json'))
      .then((text) => JSON.parse(text) as ValidationReport)
      .catch(() => null);
    const error = this.errors.get(jobId);
    const failure = status === 'SUCCEEDED' ? null : report?.file_error ? 'data' : 'system';
    const outcome: FileOutcome = {
      file,
      job_id: jobId,
      status,
      failure,
      message: failure ? (error?.message ?? 'failed') : null,
      report,
    };
    const signal = judgeFile(outcome, this.options.gates);
    this.outcomes.push(outcome);
    this.signals.push(signal);
    if (this.options.json)
      this.write({
        event: 'file',
        file,
        job_id: jobId,
        status,
        verdict: signal.verdict,
        gates_failed: signal.gatesFailed,
        counted: signal.counted,
        rows: report?.summary.total_records ?? null,
        quarantined: report?.summary.error_records ?? null,
        quality: report?.quality ?? null,
        error: outcome.message && describeFailure(file, outcome.message),
        report: report?.report_location ?? null,
      });
    else process.stdout.write(`${fileLines(outcome, signal).join('\n')}\n`);
    for (const line of failureLines(outcome, signal)) process.stderr.write(`${line}\n`);
  }

  private write(line: object): void {
    process.stdout.write(`${JSON.stringify(line)}\n`);
  }
}
