import type { EnvironmentSettings } from '../environments.ts';

export interface StorageProps {
  readonly settings: EnvironmentSettings;
}
