import { resolve } from 'node:path';
import { type AuditCommand, openAuditTrail } from '../adapters/audit/audit-trail.ts';
import { AuditedObjectStore } from '../adapters/audit/audited-object-store.ts';
import { SealedObjectStore } from '../adapters/crypto/sealed-object-store.ts';
import { DuckDbDatabase } from '../adapters/duckdb/duckdb-engine.ts';
import { DuckDbWarehouse } from '../adapters/duckdb/duckdb-warehouse.ts';
import { codeSetTable, loadCodeSets } from '../adapters/duckdb/load-code-sets.ts';
import { convertFhir } from '../adapters/fhir/convert-fhir.ts';
import { JsonlEventLog } from '../adapters/local-bus/jsonl-event-log.ts';
import { withInjectedFaults } from '../adapters/local-store/faulty-object-store.ts';
import { createLocalInputFiles } from '../adapters/local-store/local-input-files.ts';
import { LocalObjectStore } from '../adapters/local-store/local-object-store.ts';
import { makePrivateDir } from '../adapters/local-store/private-dir.ts';
import { acquireRootLock, notWritable, type RootLock } from '../adapters/local-store/root-lock.ts';
import { StoreDeadLetterQueue } from '../adapters/local-store/store-dead-letters.ts';
import { createLogger } from '../adapters/logging/json-logger.ts';
import { convertX12 } from '../adapters/x12/convert-x12.ts';
import { HEAD_BYTES } from '../domain/detect-format.ts';
import { describeRootLockHolder } from '../domain/root-lock.ts';
import type { RecordConverters } from '../pipeline/file-job/file-job-options.ts';
import { createFileSettings, type FileSettings } from '../pipeline/file-settings.ts';
import { createJobIdSource } from '../pipeline/job-id.ts';
import type { ObjectStore } from '../pipeline/object-store.ts';
import { type DeadLetterQueue, type InputFiles, type Logger, systemClock } from '../pipeline/ports.ts';
import { injectedFaults } from './env.ts';
import { loadConfig } from './load-config.ts';
import { loadKeys } from './load-keys.ts';
import { loadProfile, loadSourceProfiles } from './load-profile.ts';
import { openAlerts, type RaiseAlert } from './open-alerts.ts';
import type { RunFlags } from './options.ts';

/** Everything `run`, `validate`, `watch` and `dlq replay` share: the root, the engine, the rules. */
export interface Pipeline {
  readonly root: string;
  /** The root's store: sealed prefixes encrypted with a master key, every access audited. */
  readonly store: ObjectStore;
  readonly deadLetters: DeadLetterQueue;
  readonly database: DuckDbDatabase;
  readonly warehouse: DuckDbWarehouse;
  readonly logger: Logger;
  /** Appends to the event log, `<root>/events/YYYY-MM-DD.jsonl`. */
  readonly recordEvent: (event: object) => void;
  readonly raiseAlert: RaiseAlert;
  readonly settingsFor: (file: string) => FileSettings;
  /** The x12-837 and fhir-eob profiles' converters to canonical NDJSON. */
  readonly convertRecords: RecordConverters;
  readonly files: InputFiles;
  readonly nextJobId: (at: Date) => string;
  /** The reference folder used (flag, else config) and how many lists it held, for the summary. */
  readonly refdata: { readonly folder: string | null; readonly lists: number };
  close(): void;
}

/**
 * The commands that write a root, and so hold its lock while they run: one writer per root at a
 * time. `dlq list` opens the pipeline only to read the dead letters.
 */
const WRITERS: ReadonlySet<AuditCommand> = new Set<AuditCommand>(['run', 'validate', 'watch', 'dlq replay']);

/** `command` names what the audit log records this process doing. */
export async function openPipeline(flags: RunFlags, command: AuditCommand): Promise<Pipeline> {
  const config = await loadConfig(flags.config);
  const profile = flags.profile ? await loadProfile(flags.profile) : undefined;
  const sourceProfiles = await loadSourceProfiles(config, flags.config);
  const { masterKey, pseudonymKey } = await loadKeys(flags, config.security, flags.config);
  const root = resolve(flags.root);
  const logger = createLogger(flags.verbose);
  if (!masterKey)
    logger.warn('encryption at rest is off: quarantine, archive and dead letters are written in plaintext', {
      hint: 'security.master_key_file, --master-key-file or CLAIMFLOW_MASTER_KEY',
    });
  const events = new JsonlEventLog(root);
  const recordEvent = (event: object): void => events.append(event, systemClock.now());
  const raiseAlert = await openAlerts(config.alerts, { configFile: flags.config, logger, recordEvent });
  // Created once the config, keys and alert secrets have all been read: a bad one leaves no root behind.
  await makePrivateDir(root).catch((error: unknown) => {
    throw notWritable(root, error);
  });
  // Taken before anything is written under the root, and released however the command ends.
  const lock = WRITERS.has(command) ? await lockRoot(root, command, flags, logger) : null;
  try {
    const local = new LocalObjectStore(root);
    const audit = openAuditTrail(root, command);
    const faulty = withInjectedFaults(local, injectedFaults);
    const store = new AuditedObjectStore(masterKey ? new SealedObjectStore(faulty, masterKey) : faulty, audit);
    const database = await DuckDbDatabase.open({
      path: ':memory:',
      memoryLimit: flags.memoryLimit,
      threads: flags.threads,
      tempDirectory: await local.scratchDir('duckdb'),
    });
    const session = await database.connect();
    const refdataFolder = flags.refdata ? resolve(flags.refdata) : config.refdata;
    const codeSets = await loadCodeSets(session, refdataFolder).finally(() => session.close());
    const settingsFor = createFileSettings(
      config,
      {
        source: flags.source,
        dataSource: flags.dataSource,
        errorThreshold: flags.errorThreshold,
        runDate: flags.runDate ?? systemClock.now().toISOString().slice(0, 10),
        profile,
      },
      codeSets,
      codeSetTable,
      sourceProfiles,
    );
    return {
      root,
      store,
      deadLetters: new StoreDeadLetterQueue(store, masterKey),
      database,
      warehouse: new DuckDbWarehouse(root, { store, key: pseudonymKey }),
      logger,
      recordEvent,
      raiseAlert,
      settingsFor,
      convertRecords: { x12: convertX12, fhir: convertFhir },
      // The engine reads input files by path, not through the store: these are their audit entries.
      files: createLocalInputFiles(HEAD_BYTES, (path) => audit.record('read', path)),
      nextJobId: createJobIdSource(),
      refdata: { folder: refdataFolder ?? null, lists: codeSets.size },
      close: () => {
        database.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}

/** The root's lock for `command`, waiting as long as --wait-lock allows; what happens is said on stderr. */
function lockRoot(root: string, command: AuditCommand, flags: RunFlags, logger: Logger): Promise<RootLock> {
  return acquireRootLock(root, {
    command,
    waitMs: flags.waitLock * 1000,
    // `watch` finishes the files in hand on a signal, then releases; the others stop at once.
    releaseOnSignal: command !== 'watch',
    onWait: (holder) =>
      process.stderr.write(
        `claimflow: root ${root} is in use by ${describeRootLockHolder(holder)}; waiting up to ${flags.waitLock}s\n`,
      ),
    onTakeOver: (holder) => {
      process.stderr.write(
        `claimflow: took over the lock of root ${root}: ${describeRootLockHolder(holder)} is no longer running\n`,
      );
      logger.warn('stale root lock taken over', { reason: 'its holder is no longer running' });
    },
  });
}
