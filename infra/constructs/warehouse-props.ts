import type { EnvironmentSettings } from '../environments.ts';
import type { Storage } from './storage.ts';

export interface WarehouseProps {
  readonly settings: EnvironmentSettings;
  readonly storage: Storage;
}
