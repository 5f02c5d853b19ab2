import { setTimeout as sleep } from 'node:timers/promises';
import { JsonlEventLog } from '../adapters/local-bus/jsonl-event-log.ts';
import type { EventsFlags } from './options.ts';
import { readerRoot } from './reader-root.ts';

/** `claimflow events`: the event log as JSON lines, optionally filtered by job and followed. */
export async function eventsCommand(flags: EventsFlags): Promise<number> {
  const log = new JsonlEventLog(readerRoot(flags.root, true));
  const matches = (line: string): boolean => {
    if (!flags.job) return true;
    const event = JSON.parse(line) as { job_id?: string; context?: { job_id?: string } };
    return event.job_id === flags.job || event.context?.job_id === flags.job;
  };
  let { lines, position } = log.read();
  for (;;) {
    for (const line of lines) if (matches(line)) process.stdout.write(`${line}\n`);
    if (!flags.follow) return 0;
    await sleep(500);
    ({ lines, position } = log.read(position));
  }
}
