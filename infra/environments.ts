import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import type { EnvironmentName } from './environment-name.ts';

/** What differs between dev, staging and prod; everything else is the same in all three. */
export interface EnvironmentSettings {
  readonly name: EnvironmentName;
  /** Standard -> IA (30 d) -> Glacier (90 d) -> Deep Archive (365 d) on the data buckets; objects are never expired. */
  readonly archiveTiering: boolean;
  readonly logRetention: RetentionDays;
  /**
   * Reserved concurrency of each function, only when asked (`--reserved-concurrency`): it caps a
   * runaway inbox, but AWS keeps 100 executions unreserved, so reserving needs a quota of at least
   * 6 x N + 100 and a new account (quota 10 to 1,000) could deploy no environment with it.
   */
  readonly reservedConcurrency: number | undefined;
  /** Input objects above this many bytes go to Glue instead of DuckDB in the etl function (`DUCKDB_MAX_BYTES`). */
  readonly duckdbMaxBytes: number;
  /** Lambda errors in 5 minutes before the error alarm fires. */
  readonly errorAlarmThreshold: number;
  /** Upper bound of Glue workers; autoscaling releases the idle ones. */
  readonly glueMaxWorkers: number;
  /** CloudFormation refuses to delete the ledger table while this is on. */
  readonly deletionProtection: boolean;
  /** Redshift Serverless workgroup and its load role; off by default (it costs while it runs). */
  readonly redshift: boolean;
  /**
   * Monthly budget of the jobs' estimated cost (`estimated_cost_usd`): a day over its thirtieth
   * raises the cost-overrun alarm (`--monthly-budget-usd`).
   */
  readonly monthlyBudgetUsd: number;
}

/**
 * The largest file the etl function runs on DuckDB: measured with scripts/lambda-memory.ts (see
 * docs/BENCHMARKS.md, "Lambda memory"), so that the file's peak stays well under the function's memory.
 */
export const DUCKDB_MAX_BYTES = 256 * 1024 * 1024;

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentSettings>> = {
  dev: {
    name: 'dev',
    monthlyBudgetUsd: 25,
    archiveTiering: false,
    logRetention: RetentionDays.ONE_MONTH,
    reservedConcurrency: undefined,
    duckdbMaxBytes: DUCKDB_MAX_BYTES,
    errorAlarmThreshold: 5,
    glueMaxWorkers: 4,
    deletionProtection: false,
    redshift: false,
  },
  staging: {
    name: 'staging',
    monthlyBudgetUsd: 50,
    archiveTiering: false,
    logRetention: RetentionDays.THREE_MONTHS,
    reservedConcurrency: undefined,
    duckdbMaxBytes: DUCKDB_MAX_BYTES,
    errorAlarmThreshold: 1,
    glueMaxWorkers: 10,
    deletionProtection: true,
    redshift: false,
  },
  prod: {
    name: 'prod',
    monthlyBudgetUsd: 500,
    archiveTiering: true,
    logRetention: RetentionDays.ONE_YEAR,
    reservedConcurrency: undefined,
    duckdbMaxBytes: DUCKDB_MAX_BYTES,
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
  /** Lower to send smaller files to Glue (CI runs the Glue path on a 50 MB file). */
  duckdbMaxBytes: z.coerce.number().int().min(1).optional(),
  monthlyBudgetUsd: z.coerce.number().positive().optional(),
});
export type SettingsOverrides = z.infer<typeof settingsOverridesSchema>;

export function resolveSettings(name: EnvironmentName, overrides: SettingsOverrides = {}): EnvironmentSettings {
  const base = ENVIRONMENTS[name];
  return {
    ...base,
    reservedConcurrency: overrides.reservedConcurrency ?? base.reservedConcurrency,
    redshift: overrides.redshift ?? base.redshift,
    duckdbMaxBytes: overrides.duckdbMaxBytes ?? base.duckdbMaxBytes,
    monthlyBudgetUsd: overrides.monthlyBudgetUsd ?? base.monthlyBudgetUsd,
  };
}
