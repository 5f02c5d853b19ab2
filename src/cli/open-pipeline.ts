import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DuckDbDatabase } from '../adapters/duckdb/duckdb-engine.ts';
import { DuckDbWarehouse } from '../adapters/duckdb/duckdb-warehouse.ts';
import { codeSetTable, loadCodeSets } from '../adapters/duckdb/load-code-sets.ts';
import { convertFhir } from '../adapters/fhir/convert-fhir.ts';
import { JsonlEventLog } from '../adapters/local-bus/jsonl-event-log.ts';
import { withInjectedFaults } from '../adapters/local-store/faulty-object-store.ts';
import { hashFile } from '../adapters/local-store/hash-file.ts';
import { LocalObjectStore } from '../adapters/local-store/local-object-store.ts';
import { readHead } from '../adapters/local-store/read-head.ts';
import { convertX12 } from '../adapters/x12/convert-x12.ts';
import { HEAD_BYTES } from '../pipeline/detect-format.ts';
import { createFileSettings, type FileSettings } from '../pipeline/file-settings.ts';
import { createJobIdSource } from '../pipeline/job-id.ts';
import type { ObjectStore } from '../pipeline/object-store.ts';
import { type Logger, systemClock } from '../pipeline/ports.ts';
import type { RecordConverters } from '../pipeline/process-file.ts';
import { injectedFaults } from './env.ts';
import { loadConfig } from './load-config.ts';
import { loadProfile } from './load-profile.ts';
import { createLogger } from './logger.ts';
import { openAlerts, type RaiseAlert } from './open-alerts.ts';
import type { RunFlags } from './options.ts';

/** Everything `run`, `validate`, `watch` and `dlq replay` share: the root, the engine, the rules. */
export interface Pipeline {
  readonly root: string;
  readonly store: ObjectStore;
  readonly database: DuckDbDatabase;
  readonly warehouse: DuckDbWarehouse;
  readonly logger: Logger;
  /** Appends to the event log, `<root>/events/YYYY-MM-DD.jsonl`. */
  readonly recordEvent: (event: object) => void;
  readonly raiseAlert: RaiseAlert;
  readonly settingsFor: (file: string) => FileSettings;
  /** The x12-837 and fhir-eob profiles' converters to canonical NDJSON. */
  readonly convertRecords: RecordConverters;
  readonly readHead: (path: string) => ReturnType<typeof readHead>;
  readonly hashFile: (path: string) => Promise<string>;
  readonly nextJobId: (at: Date) => string;
  close(): void;
}

export async function openPipeline(flags: RunFlags): Promise<Pipeline> {
  const config = await loadConfig(flags.config);
  const profile = flags.profile ? await loadProfile(flags.profile) : undefined;
  const root = resolve(flags.root);
  const logger = createLogger(flags.verbose);
  const events = new JsonlEventLog(root);
  const recordEvent = (event: object): void => events.append(event, systemClock.now());
  const raiseAlert = await openAlerts(config.alerts, { configFile: flags.config, logger, recordEvent });
  await mkdir(root, { recursive: true, mode: 0o700 });
  const local = new LocalObjectStore(root);
  const database = await DuckDbDatabase.open({
    path: ':memory:',
    memoryLimit: flags.memoryLimit,
    threads: flags.threads,
    tempDirectory: await local.scratchDir('duckdb'),
  });
  const session = await database.connect();
  const codeSets = await loadCodeSets(session, flags.refdata ? resolve(flags.refdata) : config.refdata).finally(() =>
    session.close(),
  );
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
  );
  return {
    root,
    store: withInjectedFaults(local, injectedFaults),
    database,
    warehouse: new DuckDbWarehouse(root),
    logger,
    recordEvent,
    raiseAlert,
    settingsFor,
    convertRecords: { x12: convertX12, fhir: convertFhir },
    readHead: (path) => readHead(path, HEAD_BYTES),
    hashFile,
    nextJobId: createJobIdSource(),
    close: () => database.close(),
  };
}
