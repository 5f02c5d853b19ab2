import { setTimeout as sleepMs } from 'node:timers/promises';
import {
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { ClaimflowError } from '../../domain/errors.ts';
import type { TableDescriptor } from '../../domain/tables/table-descriptor.ts';
import { callAws } from './aws-error.ts';
import { publishedColumnsOf } from './redshift-columns.ts';

/** What each statement of a load does, in batch order: a failed sub-statement is reported by this name. */
// No CREATE SCHEMA: it needs CREATE on the database (checked even when the schema exists), which the
// function's IAM user does not have; the admin creates the schema once (docs/deploy.md).
export const LOAD_STEPS = [
  'create table',
  'create staging',
  'copy',
  'delete month',
  'delete moved keys',
  'insert',
  'drop staging',
] as const;
type LoadStep = (typeof LOAD_STEPS)[number];

export interface RedshiftLoaderOptions {
  readonly workgroupName: string;
  readonly database: string;
  readonly iamRoleArn: string;
  readonly schema: string;
}

export interface StatementWait {
  readonly pollIntervalMs: number;
  /** The load is cancelled and reported once it has run this long. */
  readonly maxWaitMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

const DEFAULT_WAIT: StatementWait = { pollIntervalMs: 2000, maxWaitMs: 10 * 60_000, sleep: (ms) => sleepMs(ms) };

/** Every value spliced into SQL is checked against one of these first. */
const PATTERNS = {
  workgroupName: /^[a-z0-9-]{3,64}$/,
  database: /^[a-z_][a-z0-9_$]{0,63}$/,
  iamRoleArn: /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[A-Za-z0-9+=,.@_/-]{1,512}$/,
  schema: /^[a-z_][a-z0-9_]{0,126}$/,
  yearMonth: /^(\d{4})-(0[1-9]|1[0-2])$/,
  s3Prefix: /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([A-Za-z0-9_.=-]+\/)*year=(\d{4})\/month=(\d{2})\/$/,
} as const;

/** A load input that fails its pattern: it is never spliced into SQL. Its value is not repeated. */
export class WarehouseInputError extends ClaimflowError {
  readonly code = 'warehouse_input';
  constructor(
    readonly field: keyof typeof PATTERNS,
    readonly expected: string,
  ) {
    super(`redshift load: ${field} must match ${expected}`);
  }
}

/** A load that did not finish: the statement id leads to Redshift's own error (which can quote data, so it is not copied here). */
export class WarehouseLoadError extends ClaimflowError {
  readonly code = 'warehouse_load';
  constructor(
    readonly table: string,
    readonly yearMonth: string,
    readonly statementId: string,
    readonly status: 'FAILED' | 'ABORTED' | 'TIMED_OUT',
    readonly step: LoadStep | null,
    options?: { cause?: unknown },
  ) {
    super(
      `redshift load of ${table} ${yearMonth} ${status}${step ? ` at step "${step}"` : ''} (statement ${statementId}; ` +
        'details: DescribeStatement, SYS_LOAD_ERROR_DETAIL)',
      options,
    );
  }
}

const q = (name: string): string => `"${name}"`;
const lit = (value: string): string => `'${value}'`;

/**
 * Loads a month of a table's published Parquet into the Redshift table of the same name through
 * the Data API. One batch (one transaction): create the table if missing, COPY the month into a
 * temp staging table, delete the month's rows (by the table's partition date) and rows of the
 * staged dedupe keys from the table, insert the staged rows. The month's prefix holds every
 * published file of the month, so the table ends up holding exactly what S3 does, like the local
 * warehouse's views; a row moved to another month leaves its old one.
 */
export class RedshiftLoader {
  constructor(
    private readonly client: RedshiftDataClient,
    private readonly options: RedshiftLoaderOptions,
    private readonly wait: StatementWait = DEFAULT_WAIT,
  ) {
    for (const field of ['workgroupName', 'database', 'iamRoleArn', 'schema'] as const) check(field, options[field]);
  }

  /**
   * `table` is the published table (its descriptor: the names spliced into SQL are the code's own);
   * `yearMonth` is `YYYY-MM`; `s3Prefix` is `s3://bucket/.../year=YYYY/month=MM/` of that month.
   * `budgetMs` bounds the wait below the configured one: the function's remaining time less what it
   * needs to cancel, so a load is never left running when Lambda stops the function (its retry would
   * overlap a load that may still commit).
   */
  async loadMonth(
    table: TableDescriptor,
    yearMonth: string,
    s3Prefix: string,
    budgetMs = Number.POSITIVE_INFINITY,
  ): Promise<void> {
    const [, year, month] = check('yearMonth', yearMonth);
    const [, , prefixYear, prefixMonth] = check('s3Prefix', s3Prefix);
    if (prefixYear !== year || prefixMonth !== month)
      throw new WarehouseInputError('s3Prefix', `year=${year}/month=${month}/ at its end for ${yearMonth}`);
    const command = new BatchExecuteStatementCommand({
      WorkgroupName: this.options.workgroupName,
      Database: this.options.database,
      StatementName: `claimflow-load-${table.name}-${yearMonth}`,
      Sqls: this.loadStatements(table, yearMonth, s3Prefix),
    });
    const { Id } = await callAws('redshift load', () => this.client.send(command));
    if (!Id) throw new TypeError('redshift BatchExecuteStatement answered without a statement id');
    await this.waitFor(Id, table.name, yearMonth, Math.min(this.wait.maxWaitMs, budgetMs));
  }

  /** The batch, one statement per LOAD_STEPS entry. */
  private loadStatements(table: TableDescriptor, yearMonth: string, s3Prefix: string): string[] {
    const target = `${q(this.options.schema)}.${q(table.name)}`;
    const staging = q(`${table.name}_staging`);
    const columns = publishedColumnsOf(table)
      .map((c) => `${q(c.name)} ${c.type}`)
      .join(', ');
    const partition = q(table.partitionDate);
    const [year, month] = yearMonth.split('-').map(Number) as [number, number];
    const nextMonth = month === 12 ? `${year + 1}-01` : `${year}-${String(month + 1).padStart(2, '0')}`;
    const keyMatch = table.dedupeKey.map((k) => `${target}.${q(k)} = ${staging}.${q(k)}`).join(' AND ');
    const steps: Record<LoadStep, string> = {
      'create table': `CREATE TABLE IF NOT EXISTS ${target} (${columns}) SORTKEY (${partition})`,
      'create staging': `CREATE TEMP TABLE ${staging} (LIKE ${target})`,
      copy: `COPY ${staging} FROM ${lit(s3Prefix)} IAM_ROLE ${lit(this.options.iamRoleArn)} FORMAT AS PARQUET SERIALIZETOJSON`,
      'delete month': `DELETE FROM ${target} WHERE ${partition} >= CAST(${lit(`${yearMonth}-01`)} AS DATE) AND ${partition} < CAST(${lit(`${nextMonth}-01`)} AS DATE)`,
      'delete moved keys': `DELETE FROM ${target} USING ${staging} WHERE ${keyMatch}`,
      insert: `INSERT INTO ${target} SELECT * FROM ${staging}`,
      'drop staging': `DROP TABLE ${staging}`,
    };
    return LOAD_STEPS.map((step) => steps[step]);
  }

  private async waitFor(id: string, table: string, yearMonth: string, waitMs: number): Promise<void> {
    const polls = Math.max(1, Math.ceil(waitMs / this.wait.pollIntervalMs));
    for (let poll = 0; poll < polls; poll++) {
      await this.wait.sleep(this.wait.pollIntervalMs);
      const describe = new DescribeStatementCommand({ Id: id });
      const statement = await callAws('redshift describe statement', () => this.client.send(describe));
      if (statement.Status === 'FINISHED') return;
      if (statement.Status === 'FAILED' || statement.Status === 'ABORTED') {
        const failed = (statement.SubStatements ?? []).findIndex(
          (s) => s.Status === 'FAILED' || s.Status === 'ABORTED',
        );
        throw new WarehouseLoadError(table, yearMonth, id, statement.Status, LOAD_STEPS[failed] ?? null);
      }
    }
    // Cancelled so that it cannot commit after being reported as not done (a failed cancel is kept as the cause).
    const cancel = new CancelStatementCommand({ Id: id });
    const cancelError = await callAws('redshift cancel statement', () => this.client.send(cancel)).then(
      () => undefined,
      (error: unknown) => error,
    );
    throw new WarehouseLoadError(table, yearMonth, id, 'TIMED_OUT', null, { cause: cancelError });
  }
}

function check(field: keyof typeof PATTERNS, value: string): RegExpExecArray {
  const match = PATTERNS[field].exec(value);
  if (!match) throw new WarehouseInputError(field, PATTERNS[field].source);
  return match;
}
