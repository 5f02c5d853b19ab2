import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { z } from 'zod';
import type { EnvironmentName } from './environment-name.ts';
import { FUNCTION_IDS, type FunctionId } from './function-ids.ts';
import {
  functionIdSchema,
  functionMemoryMbSchema,
  functionTimeoutSecondsSchema,
  reservedConcurrencySchema,
  type SettingsFile,
} from './function-settings.ts';

/** What differs between dev, staging and prod; everything else is the same in all three. */
export interface EnvironmentSettings {
  readonly name: EnvironmentName;
  /**
   * Every environment tiers the data buckets Standard -> IA (30 d) -> Glacier (90 d), never expiring
   * anything; with this, Glacier -> Deep Archive at 365 d too (prod).
   */
  readonly deepArchive: boolean;
  readonly logRetention: RetentionDays;
  /** Input objects above this many bytes go to Glue instead of DuckDB in the etl function (`DUCKDB_MAX_BYTES`). */
  readonly duckdbMaxBytes: number;
  /** Lambda errors in 5 minutes before the error alarm fires. */
  readonly errorAlarmThreshold: number;
  /** Upper bound of Glue workers; autoscaling releases the idle ones. */
  readonly glueMaxWorkers: number;
  /** CloudFormation refuses to delete the ledger table while this is on. */
  readonly deletionProtection: boolean;
  /**
   * Memory (MB), timeout (seconds) and reserved concurrency of each function. etl and
   * post-processing are sized from measurement (scripts/lambda-memory.ts, docs/BENCHMARKS.md
   * "Lambda memory"); a settings file and the CLI override them per function (resolveSettings).
   */
  readonly functions: Readonly<Record<FunctionId, FunctionSettings>>;
  /** Redshift Serverless workgroup and its load role; off by default (it costs while it runs). */
  readonly redshift: boolean;
  /**
   * Monthly budget of the jobs' estimated cost (`estimated_cost_usd`): a day over its thirtieth
   * raises the cost-overrun alarm (`--monthly-budget-usd`).
   */
  readonly monthlyBudgetUsd: number;
}

export interface FunctionSettings {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  /**
   * Reserved concurrency, only when asked: it caps a runaway inbox, but AWS keeps 100 executions
   * unreserved, so the account's quota must exceed the sum of the reservations by 100, and a new
   * account (quota 10 to 1,000) could deploy no environment with them. Undefined: not reserved.
   */
  readonly reservedConcurrency?: number;
}

/**
 * The functions' sizes in every environment: etl holds a file at DUCKDB_MAX_BYTES (about 690 MiB
 * peak with DuckDB at half of 2,048 MB; about 4 minutes on one vCPU); post-processing a month's
 * aggregations (397 MiB for 4M lines) and a Redshift load's wait of up to 10 minutes.
 */
const FUNCTION_SIZES: Readonly<Record<FunctionId, FunctionSettings>> = {
  trigger: { memoryMb: 512, timeoutSeconds: 300 },
  validation: { memoryMb: 512, timeoutSeconds: 300 },
  etl: { memoryMb: 2048, timeoutSeconds: 900 },
  glueCompletion: { memoryMb: 512, timeoutSeconds: 300 },
  postProcessing: { memoryMb: 1024, timeoutSeconds: 900 },
  errorHandler: { memoryMb: 512, timeoutSeconds: 300 },
};

/**
 * The largest file the etl function runs on DuckDB: measured with scripts/lambda-memory.ts (see
 * docs/BENCHMARKS.md, "Lambda memory"), so that the file's peak stays well under the function's memory.
 */
export const DUCKDB_MAX_BYTES = 256 * 1024 * 1024;

export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentSettings>> = {
  dev: {
    name: 'dev',
    monthlyBudgetUsd: 25,
    deepArchive: false,
    // Extended in dev, where failures are debugged from the logs: longer than staging's.
    logRetention: RetentionDays.SIX_MONTHS,
    functions: FUNCTION_SIZES,
    duckdbMaxBytes: DUCKDB_MAX_BYTES,
    errorAlarmThreshold: 5,
    glueMaxWorkers: 4,
    deletionProtection: false,
    redshift: false,
  },
  staging: {
    name: 'staging',
    monthlyBudgetUsd: 50,
    deepArchive: false,
    logRetention: RetentionDays.THREE_MONTHS,
    functions: FUNCTION_SIZES,
    duckdbMaxBytes: DUCKDB_MAX_BYTES,
    errorAlarmThreshold: 1,
    glueMaxWorkers: 10,
    deletionProtection: true,
    redshift: false,
  },
  prod: {
    name: 'prod',
    monthlyBudgetUsd: 500,
    deepArchive: true,
    logRetention: RetentionDays.ONE_YEAR,
    functions: FUNCTION_SIZES,
    duckdbMaxBytes: DUCKDB_MAX_BYTES,
    errorAlarmThreshold: 1,
    glueMaxWorkers: 20,
    deletionProtection: true,
    redshift: false,
  },
};

/** Per-deployment choices layered over an environment's settings (CLI flags, CDK context). */
export const settingsOverridesSchema = z.object({
  /** Every function's reserved concurrency, where no per-function value (flag or file) is given. */
  reservedConcurrency: reservedConcurrencySchema.optional(),
  redshift: z.boolean().optional(),
  /** Lower to send smaller files to Glue (CI runs the Glue path on a 50 MB file). */
  duckdbMaxBytes: z.coerce.number().int().min(1).optional(),
  monthlyBudgetUsd: z.coerce.number().positive().optional(),
  /** `<function>=<MB>`, `<function>=<seconds>` and `<function>=<executions>`, e.g. `etl=3008`, `etl=600`, `etl=20`. */
  functionMemoryMb: z.partialRecord(functionIdSchema, functionMemoryMbSchema).optional(),
  functionTimeoutSeconds: z.partialRecord(functionIdSchema, functionTimeoutSecondsSchema).optional(),
  functionReservedConcurrency: z.partialRecord(functionIdSchema, reservedConcurrencySchema).optional(),
});
export type SettingsOverrides = z.infer<typeof settingsOverridesSchema>;

/**
 * An environment's settings with the deployment's choices over them. Per function, the most
 * specific value wins, a flag before the file: `--function-memory` (`--function-timeout`,
 * `--function-concurrency`), then the settings file's value for this environment, then, for
 * concurrency, `--reserved-concurrency`, then the environment's own.
 */
export function resolveSettings(
  name: EnvironmentName,
  overrides: SettingsOverrides = {},
  file: SettingsFile = { environments: {} },
): EnvironmentSettings {
  const base = ENVIRONMENTS[name];
  const fromFile = file.environments[name]?.functions ?? {};
  return {
    ...base,
    redshift: overrides.redshift ?? base.redshift,
    duckdbMaxBytes: overrides.duckdbMaxBytes ?? base.duckdbMaxBytes,
    monthlyBudgetUsd: overrides.monthlyBudgetUsd ?? base.monthlyBudgetUsd,
    functions: Object.fromEntries(
      FUNCTION_IDS.map((fid): [FunctionId, FunctionSettings] => {
        const own = base.functions[fid];
        const reserved =
          overrides.functionReservedConcurrency?.[fid] ??
          fromFile[fid]?.reserved_concurrency ??
          overrides.reservedConcurrency ??
          own.reservedConcurrency;
        return [
          fid,
          {
            memoryMb: overrides.functionMemoryMb?.[fid] ?? fromFile[fid]?.memory_mb ?? own.memoryMb,
            timeoutSeconds: overrides.functionTimeoutSeconds?.[fid] ?? fromFile[fid]?.timeout_s ?? own.timeoutSeconds,
            ...(reserved !== undefined && { reservedConcurrency: reserved }),
          },
        ];
      }),
    ) as Record<FunctionId, FunctionSettings>,
  };
}
