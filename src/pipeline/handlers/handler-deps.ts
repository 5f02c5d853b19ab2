import { sanitizeErrorMessage } from '../../domain/redact.ts';
import type { RecordConverters } from '../file-job/file-job-options.ts';
import type { FileSettings } from '../file-settings.ts';
import type { Ledger } from '../ledger.ts';
import type { ErrorEvent, JobStatus, PipelineEvent } from '../messages.ts';
import { messageTimestamp, TOPICS } from '../messages.ts';
import type { ObjectStore } from '../object-store.ts';
import type { Clock, Engine, EventBus, InputFiles, Logger, Metrics } from '../ports.ts';

/** What the handlers need; the local runtime and the Lambda entry points wire them differently. */
export interface HandlerDeps {
  readonly store: ObjectStore;
  readonly bus: EventBus;
  readonly ledger: Ledger;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly nextJobId: (at: Date) => string;
  readonly files: InputFiles;
  /** A SQL engine session for one task (its own temp tables). */
  readonly openEngine: () => Promise<Engine>;
  readonly settingsFor: (file: string) => FileSettings;
  /** Record-format converters handed to each file job (X12, FHIR). */
  readonly convertRecords?: RecordConverters;
  readonly refreshWarehouse: () => Promise<void>;
  /** Serialises work that reads and rewrites shared outputs (aggregations). */
  readonly exclusive: <T>(work: () => Promise<T>) => Promise<T>;
  /** Each finished job's metrics (EMF on AWS); locally none, the dashboard computes them from the root. */
  readonly metrics?: Metrics;
  /**
   * What messages name as a job's `input_file`: on AWS the object's `s3://bucket/key`, as the
   * contracts print it; locally (absent) the file's name, which the event log and `events` show.
   */
  readonly inputFileOf?: (key: string) => string;
}

/** A task's `input_file` as messages carry it (see HandlerDeps.inputFileOf). */
export function messageInputFile(
  deps: Pick<HandlerDeps, 'inputFileOf'>,
  task: { readonly key?: string; readonly input_file?: string },
): string {
  return (task.key !== undefined && deps.inputFileOf?.(task.key)) || (task.input_file ?? '');
}

export function publishEvent(deps: Pick<HandlerDeps, 'bus'>, event: PipelineEvent): Promise<void> {
  return deps.bus.publish(event.event_type === 'error' ? TOPICS.errors : TOPICS.events, event);
}

export function publishStatus(
  deps: Pick<HandlerDeps, 'bus' | 'clock'>,
  jobId: string,
  status: JobStatus,
  inputFile: string,
): Promise<void> {
  return publishEvent(deps, {
    event_type: 'job_status_update',
    job_id: jobId,
    status,
    input_file: inputFile,
    timestamp: messageTimestamp(deps.clock.now()),
  });
}

/** An error event; its message is sanitised here, the one place every error event is made. */
export function errorEvent(
  deps: Pick<HandlerDeps, 'clock'>,
  fields: Pick<ErrorEvent, 'error_message' | 'error_type'> & { function_name: string; file: string; job_id?: string },
): ErrorEvent {
  const { error_message, error_type, ...context } = fields;
  return {
    event_type: 'error',
    error_message: sanitizeErrorMessage(error_message),
    error_type,
    context,
    timestamp: messageTimestamp(deps.clock.now()),
  };
}
