import type { EnvironmentSettings } from '../environments.ts';
import type { Functions } from './functions.ts';
import type { GlueJob } from './glue-job.ts';
import type { Messaging } from './messaging.ts';

export interface MonitoringProps {
  readonly settings: EnvironmentSettings;
  readonly messaging: Messaging;
  readonly functions: Functions;
  readonly glueJob: GlueJob;
}
