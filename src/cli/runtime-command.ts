import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditCommand } from '../adapters/audit/audit-trail.ts';
import { InboxWatcher } from '../adapters/local-store/inbox-watcher.ts';
import { makePrivateDir } from '../adapters/local-store/private-dir.ts';
import { SqliteLedger } from '../adapters/sqlite/sqlite-ledger.ts';
import { folderOf, PREFIXES } from '../domain/store-layout.ts';
import { LocalRuntime } from '../pipeline/local-runtime.ts';
import type { Topic } from '../pipeline/messages.ts';
import { type DeadLetterQueue, systemClock } from '../pipeline/ports.ts';
import { openPipeline, type Pipeline } from './open-pipeline.ts';
import type { RunFlags, RuntimeFlags } from './options.ts';
import { EXIT, gatesOf } from './run-report.ts';
import { WatchReporter } from './watch-reporter.ts';

interface Runtime {
  readonly pipeline: Pipeline;
  readonly runtime: LocalRuntime;
  readonly dlq: DeadLetterQueue;
  close(): void;
}

/** `observe`: what watch prints, fed the events and the log as the handlers write them. */
async function openRuntime(
  flags: RunFlags & RuntimeFlags,
  command: AuditCommand,
  observe?: (pipeline: Pipeline) => WatchReporter,
): Promise<Runtime & { reporter?: WatchReporter }> {
  const pipeline = await openPipeline(flags, command);
  const ledger = new SqliteLedger(join(pipeline.root, 'ledger.sqlite'));
  const dlq = pipeline.deadLetters;
  const reporter = observe?.(pipeline);
  const runtime = new LocalRuntime(
    {
      ...pipeline,
      ...(reporter && {
        logger: reporter.watchLogger(pipeline.logger),
        recordEvent: (event: object) => {
          pipeline.recordEvent(event);
          reporter.observe(event);
        },
      }),
      ledger,
      dlq,
      clock: systemClock,
      openEngine: () => pipeline.database.connect(),
      refreshWarehouse: () => pipeline.warehouse.refresh(),
      sleep: (ms) => sleep(ms),
      random: Math.random,
    },
    {
      concurrency: flags.concurrency,
      retry: { maxAttempts: flags.maxAttempts, baseDelayMs: flags.retryBaseMs, maxDelayMs: 30_000 },
    },
  );
  return {
    pipeline,
    runtime,
    dlq,
    reporter,
    close: () => {
      ledger.close();
      pipeline.close();
    },
  };
}

/** `claimflow watch`: turns files landing in raw/claims/ into jobs until stopped (or, with --once, until idle). */
export async function watchCommand(flags: RunFlags & RuntimeFlags): Promise<number> {
  const { pipeline, runtime, close, reporter } = await openRuntime(
    flags,
    'watch',
    (p) => new WatchReporter({ json: flags.json, gates: gatesOf(flags), store: p.store, refdata: p.refdata }),
  );
  // Scratch space of jobs a killed process left behind; their jobs are redone from the start.
  await rm(join(pipeline.root, folderOf(PREFIXES.temp)), { recursive: true, force: true });
  // The inbox is where files are handed over: there from the start, so a sender can drop into it.
  await makePrivateDir(join(pipeline.root, folderOf(PREFIXES.inbox)));
  const watcher = new InboxWatcher(
    {
      root: pipeline.root,
      prefix: PREFIXES.inbox,
      pollMs: flags.pollMs,
      settleMs: flags.settleMs,
      now: Date.now,
      logger: pipeline.logger,
    },
    (event) => runtime.trigger(event),
  );
  const recovered = await runtime.recover();
  process.stderr.write(
    `claimflow watch: watching ${join(pipeline.root, PREFIXES.inbox)} (concurrency ${flags.concurrency})` +
      (recovered.length > 0 ? `; resuming ${recovered.length} interrupted job(s)` : '') +
      '\n',
  );
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      if (stopping) process.exit(130); // a second signal: stop now
      stopping = true;
      process.stderr.write(`claimflow watch: ${signal}, finishing files in hand\n`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  try {
    if (flags.once) {
      // Two polls a settle period apart see every complete file once.
      await watcher.poll();
      await sleep(flags.settleMs + 10);
      await watcher.poll();
      await runtime.drain();
    } else {
      watcher.start();
      await stopped;
      await watcher.stop();
      await runtime.drain();
    }
    const code = (await reporter?.close()) ?? EXIT.ok;
    // --once is a batch step whose code says how its files went; a service stopped by a signal
    // exits 0, so systemd's Restart=on-failure does not restart it for a rejected file.
    return flags.once ? code : EXIT.ok;
  } finally {
    close();
  }
}

/** `claimflow dlq list` and `claimflow dlq replay`. */
export async function dlqCommand(
  action: 'list' | 'replay',
  id: string | undefined,
  flags: RunFlags & RuntimeFlags & { all: boolean },
): Promise<number> {
  const { runtime, dlq, close } = await openRuntime(flags, `dlq ${action}`);
  try {
    const letters = await dlq.list();
    if (action === 'list') {
      if (flags.json) process.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
      else if (letters.length === 0) process.stdout.write('dead-letter queue is empty\n');
      else
        for (const l of letters) {
          const last = l.errors.at(-1);
          process.stdout.write(
            `${l.id}  ${l.handler}  ${l.errors.length} attempt(s)  ${last?.error_type}: ${last?.message}\n`,
          );
        }
      return EXIT.ok;
    }
    const chosen = flags.all ? letters : letters.filter((l) => l.id === id);
    if (chosen.length === 0) {
      process.stderr.write(`claimflow: ${flags.all ? 'the dead-letter queue is empty' : `no dead letter ${id}`}\n`);
      return flags.all ? EXIT.ok : EXIT.usage;
    }
    for (const letter of chosen)
      await runtime.replay({ id: letter.id, topic: letter.topic as Topic, message: letter.message });
    await runtime.drain();
    const failedAgain = (await dlq.list()).filter((l) => chosen.some((c) => c.id === l.id));
    process.stdout.write(`replayed ${chosen.length}, ${chosen.length - failedAgain.length} succeeded\n`);
    return failedAgain.length === 0 ? EXIT.ok : EXIT.system;
  } finally {
    close();
  }
}
