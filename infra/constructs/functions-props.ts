import type { EnvironmentSettings } from '../environments.ts';
import type { GlueJob } from './glue-job.ts';
import type { Messaging } from './messaging.ts';
import type { Storage } from './storage.ts';
import type { Warehouse } from './warehouse.ts';

export interface FunctionsProps {
  readonly settings: EnvironmentSettings;
  readonly storage: Storage;
  readonly messaging: Messaging;
  readonly glueJob: GlueJob;
  readonly warehouse?: Warehouse;
  /** A folder laid out `nodejs/node_modules/@duckdb/...`, shipped as the functions' DuckDB layer. */
  readonly duckdbLayerDir: string;
  /** Identifies the layer's content (the DuckDB version and platform), so it is not hashed on every synth. */
  readonly duckdbLayerHash: string;
}
