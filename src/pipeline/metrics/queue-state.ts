import { rejectionOf } from '../handlers/s3-event-trigger.ts';
import type { InboxFile, LedgerJob, MonitoringSnapshot } from './monitoring-snapshot.ts';

export interface QueueState {
  /** Jobs the ledger shows STARTED. */
  readonly inFlight: readonly LedgerJob[];
  /** Claim files in the inbox that no job in flight is reading yet. */
  readonly backlog: readonly InboxFile[];
}

/** The work waiting or under way, as the trigger would see it: ignored objects are not backlog. */
export function readQueueState(snapshot: Pick<MonitoringSnapshot, 'jobs' | 'inbox'>): QueueState {
  const inFlight = snapshot.jobs.filter((j) => j.status === 'STARTED');
  const taken = new Set(inFlight.map((j) => j.input_key));
  const backlog = snapshot.inbox.filter((f) => rejectionOf(f.key, f.size) === null && !taken.has(f.key));
  return { inFlight, backlog };
}

/** The file name of an object key. */
export const fileNameOf = (key: string): string => key.split('/').at(-1) ?? key;
