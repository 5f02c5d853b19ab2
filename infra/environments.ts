import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import type { EnvironmentName } from './environment-name.ts';

/** What differs between dev, staging and prod; everything else is the same in all three. */
export interface EnvironmentSettings {
  readonly name: EnvironmentName;
  /** Standard -> IA (30 d) -> Glacier (90 d) -> Deep Archive (365 d) on the data buckets; objects are never expired. */
  readonly archiveTiering: boolean;
  readonly logRetention: RetentionDays;
  /** Reserved concurrency of each function: a runaway inbox cannot starve the rest of the account. */
  readonly reservedConcurrency: number;
  /** Lambda errors in 5 minutes before the error alarm fires. */
  readonly errorAlarmThreshold: number;
  /** Upper bound of Glue workers; autoscaling releases the idle ones. */
  readonly glueMaxWorkers: number;
  /** CloudFormation refuses to delete the ledger table while this is on. */
  readonly deletionProtection: boolean;
  /** Redshift Serverless workgroup and its load role; off by default (it costs while it runs). */
  readonly redshift: boolean;
}

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentSettings>> = {
  dev: {
    name: 'dev',
    archiveTiering: false,
    logRetention: RetentionDays.ONE_MONTH,
    reservedConcurrency: 10,
    errorAlarmThreshold: 5,
    glueMaxWorkers: 4,
    deletionProtection: false,
    redshift: false,
  },
  staging: {
    name: 'staging',
    archiveTiering: false,
    logRetention: RetentionDays.THREE_MONTHS,
    reservedConcurrency: 50,
    errorAlarmThreshold: 1,
    glueMaxWorkers: 10,
    deletionProtection: true,
    redshift: false,
  },
  prod: {
    name: 'prod',
    archiveTiering: true,
    logRetention: RetentionDays.ONE_YEAR,
    reservedConcurrency: 100,
    errorAlarmThreshold: 1,
    glueMaxWorkers: 20,
    deletionProtection: true,
    redshift: false,
  },
};

/** Per-deployment choices layered over an environment's settings (CLI flags, CDK context). */
export const settingsOverridesSchema = z.object({
  reservedConcurrency: z.coerce.number().int().min(1).max(1000).optional(),
  redshift: z.boolean().optional(),
});
export type SettingsOverrides = z.infer<typeof settingsOverridesSchema>;

export function resolveSettings(name: EnvironmentName, overrides: SettingsOverrides = {}): EnvironmentSettings {
  const base = ENVIRONMENTS[name];
  return {
    ...base,
    reservedConcurrency: overrides.reservedConcurrency ?? base.reservedConcurrency,
    redshift: overrides.redshift ?? base.redshift,
  };
}
