import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import {
  ActiveStatementsExceededException,
  BatchExecuteStatementCommand,
  CancelStatementCommand,
  DescribeStatementCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { mockClient } from 'aws-sdk-client-mock';
import { PostgreSQL } from 'dt-sql-parser';
import { TransientError } from '../../domain/errors.ts';
import {
  ELIGIBILITY_TABLE,
  MEDICAL_CLAIM_TABLE,
  PHARMACY_CLAIM_TABLE,
  PROVIDER_TABLE,
} from '../../domain/tables/tables.ts';
import { redshiftMonthLoader } from './aws-handler-deps.ts';
import { parseLambdaEnv } from './lambda-env.ts';
import { publishedColumnsOf } from './redshift-columns.ts';
import { LOAD_STEPS, RedshiftLoader, WarehouseInputError, WarehouseLoadError } from './redshift-loader.ts';

const OPTIONS = {
  workgroupName: 'claimflow-prod',
  database: 'claims_dw',
  iamRoleArn: 'arn:aws:iam::123456789012:role/claimflow-redshift-load',
  schema: 'claimflow',
};
const PREFIX = 's3://claimflow-prod-output/processed/claims/year=2024/month=12/';
const TARGET = '"claimflow"."medical_claim"';

describe('RedshiftLoader', () => {
  const client = new RedshiftDataClient({ region: 'us-east-1' });
  const redshift = mockClient(client);
  let sleeps: number[];
  let loader: RedshiftLoader;

  beforeEach(() => {
    redshift.reset();
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: 'batch-1' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'batch-1', Status: 'FINISHED' });
    redshift.on(CancelStatementCommand).resolves({ Status: true });
    sleeps = [];
    loader = new RedshiftLoader(client, OPTIONS, {
      pollIntervalMs: 10,
      maxWaitMs: 50,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
  });

  it('sends one batch: create, stage, COPY the month prefix as Parquet, replace the month, insert, drop', async () => {
    await loader.loadMonth(MEDICAL_CLAIM_TABLE, '2024-12', PREFIX);
    const [call] = redshift.commandCalls(BatchExecuteStatementCommand);
    const { Sqls, ...target } = call?.args[0].input ?? {};
    assert.deepEqual(target, {
      WorkgroupName: 'claimflow-prod',
      Database: 'claims_dw',
      StatementName: 'claimflow-load-medical_claim-2024-12',
    });
    assert.equal(Sqls?.length, LOAD_STEPS.length);
    const [table, staging, copy, deleteMonth, deleteKeys, insert, drop] = Sqls ?? [];
    // The function's IAM user may not create schemas: the admin made it at set-up.
    assert.ok(!Sqls?.some((sql) => /CREATE SCHEMA/i.test(sql)));
    assert.equal(staging, `CREATE TEMP TABLE "medical_claim_staging" (LIKE ${TARGET})`);
    assert.equal(
      copy,
      `COPY "medical_claim_staging" FROM '${PREFIX}' IAM_ROLE 'arn:aws:iam::123456789012:role/claimflow-redshift-load' FORMAT AS PARQUET SERIALIZETOJSON`,
    );
    assert.equal(
      deleteMonth,
      `DELETE FROM ${TARGET} WHERE "claim_start_date" >= CAST('2024-12-01' AS DATE) AND "claim_start_date" < CAST('2025-01-01' AS DATE)`,
      'December runs to the first of January',
    );
    assert.equal(
      deleteKeys,
      `DELETE FROM ${TARGET} USING "medical_claim_staging" WHERE ${TARGET}."claim_id" = "medical_claim_staging"."claim_id" AND ${TARGET}."claim_line_number" = "medical_claim_staging"."claim_line_number" AND ${TARGET}."data_source" = "medical_claim_staging"."data_source"`,
    );
    assert.equal(insert, `INSERT INTO ${TARGET} SELECT * FROM "medical_claim_staging"`);
    assert.equal(drop, 'DROP TABLE "medical_claim_staging"');

    const match =
      /^CREATE TABLE IF NOT EXISTS "claimflow"\."medical_claim" \((.*)\) SORTKEY \("claim_start_date"\)$/.exec(
        table ?? '',
      );
    assert.ok(match, table);
    const definitions = (match[1] ?? '').split(/, (?=")/);
    assert.equal(definitions.length, publishedColumnsOf(MEDICAL_CLAIM_TABLE).length);
    for (const d of definitions)
      assert.match(d, /^"[a-z0-9_]+" (VARCHAR\(65535\)|INTEGER|BIGINT|DATE|TIMESTAMP|SUPER|DECIMAL\(\d+,\d+\))$/);
    assert.deepEqual(definitions.slice(0, 3), [
      '"claim_id" VARCHAR(65535)',
      '"claim_line_number" INTEGER',
      '"claim_type" VARCHAR(65535)',
    ]);
    assert.ok(definitions.includes('"paid_amount" DECIMAL(12,2)'));
    assert.ok(definitions.includes('"risk_score" DECIMAL(6,2)'));
    assert.deepEqual(definitions.slice(-2), ['"dq_warnings" SUPER', '"extra_columns" VARCHAR(65535)']);

    // What is also PostgreSQL (all but the Redshift-only COPY and SORTKEY) must parse as such.
    const postgres = new PostgreSQL();
    const tableWithoutSortKey = (table ?? '').replace(/ SORTKEY \(.*\)$/, '');
    for (const sql of [tableWithoutSortKey, staging, deleteMonth, deleteKeys, insert, drop])
      assert.deepEqual(postgres.validate(sql ?? ''), [], sql);
  });

  it('loads every other table into its own Redshift table: its columns, partition date and dedupe key', async () => {
    const expected = [
      [PHARMACY_CLAIM_TABLE, 'pharmacy_claim', 'dispensing_date', ['claim_id', 'claim_line_number', 'data_source']],
      [
        ELIGIBILITY_TABLE,
        'eligibility',
        'enrollment_start_date',
        ['person_id', 'payer', 'plan', 'enrollment_start_date', 'data_source'],
      ],
      [PROVIDER_TABLE, 'provider', 'ingest_datetime', ['npi', 'data_source']],
    ] as const;
    const postgres = new PostgreSQL();
    for (const [table, name, partition, key] of expected) {
      redshift.resetHistory();
      const prefix = `s3://claimflow-prod-output/processed/${name}/year=2024/month=12/`;
      await loader.loadMonth(table, '2024-12', prefix);
      const input = redshift.commandCalls(BatchExecuteStatementCommand)[0]?.args[0].input;
      assert.equal(input?.StatementName, `claimflow-load-${name}-2024-12`);
      const [create, staging, copy, deleteMonth, deleteKeys, insert, drop] = input?.Sqls ?? [];
      const target = `"claimflow"."${name}"`;
      const match = new RegExp(
        `^CREATE TABLE IF NOT EXISTS "claimflow"\\."${name}" \\((.*)\\) SORTKEY \\("${partition}"\\)$`,
      ).exec(create ?? '');
      assert.ok(match, create);
      assert.deepEqual(
        (match[1] ?? '').split(/, (?=")/),
        publishedColumnsOf(table).map((c) => `"${c.name}" ${c.type}`),
      );
      assert.equal(staging, `CREATE TEMP TABLE "${name}_staging" (LIKE ${target})`);
      assert.match(copy ?? '', new RegExp(`^COPY "${name}_staging" FROM '${prefix}' IAM_ROLE `));
      assert.equal(
        deleteMonth,
        `DELETE FROM ${target} WHERE "${partition}" >= CAST('2024-12-01' AS DATE) AND "${partition}" < CAST('2025-01-01' AS DATE)`,
      );
      assert.equal(
        deleteKeys,
        `DELETE FROM ${target} USING "${name}_staging" WHERE ${key.map((k) => `${target}."${k}" = "${name}_staging"."${k}"`).join(' AND ')}`,
      );
      for (const sql of [
        (create ?? '').replace(/ SORTKEY \(.*\)$/, ''),
        staging,
        deleteMonth,
        deleteKeys,
        insert,
        drop,
      ])
        assert.deepEqual(postgres.validate(sql ?? ''), [], sql);
    }
  });

  it('polls DescribeStatement until the batch finishes', async () => {
    redshift
      .on(DescribeStatementCommand)
      .resolvesOnce({ Status: 'SUBMITTED' })
      .resolvesOnce({ Status: 'STARTED' })
      .resolves({ Status: 'FINISHED' });
    await loader.loadMonth(MEDICAL_CLAIM_TABLE, '2024-12', PREFIX);
    const describes = redshift.commandCalls(DescribeStatementCommand);
    assert.deepEqual(
      describes.map((c) => c.args[0].input),
      [{ Id: 'batch-1' }, { Id: 'batch-1' }, { Id: 'batch-1' }],
    );
    assert.deepEqual(sleeps, [10, 10, 10]);
  });

  it('reports a failed batch with its statement id and failed step, never the Redshift error text', async () => {
    const redshiftError = "Invalid digit, Value 'M', Pos 0, Type: Integer; member_id M12345";
    redshift.on(DescribeStatementCommand).resolves({
      Status: 'FAILED',
      Error: redshiftError,
      SubStatements: LOAD_STEPS.map((_, i) => ({
        Id: `batch-1:${i + 1}`,
        Status: i < 2 ? 'FINISHED' : i === 2 ? 'FAILED' : 'ABORTED',
      })),
    });
    await assert.rejects(loader.loadMonth(MEDICAL_CLAIM_TABLE, '2024-12', PREFIX), (error: unknown) => {
      assert.ok(error instanceof WarehouseLoadError);
      assert.equal(error.code, 'warehouse_load');
      assert.equal(error.statementId, 'batch-1');
      assert.equal(error.status, 'FAILED');
      assert.equal(error.step, 'copy');
      assert.equal(
        error.message,
        'redshift load of medical_claim 2024-12 FAILED at step "copy" (statement batch-1; details: DescribeStatement, SYS_LOAD_ERROR_DETAIL)',
      );
      assert.ok(!error.message.includes('M12345'));
      return true;
    });
    assert.equal(redshift.commandCalls(CancelStatementCommand).length, 0);
  });

  it('cancels a batch still running after the bounded wait and reports it timed out', async () => {
    redshift.on(DescribeStatementCommand).resolves({ Status: 'STARTED' });
    await assert.rejects(loader.loadMonth(MEDICAL_CLAIM_TABLE, '2024-12', PREFIX), (error: unknown) => {
      assert.ok(error instanceof WarehouseLoadError);
      assert.equal(error.status, 'TIMED_OUT');
      assert.equal(error.statementId, 'batch-1');
      return true;
    });
    assert.equal(redshift.commandCalls(DescribeStatementCommand).length, 5, '50 ms of 10 ms polls');
    assert.deepEqual(
      redshift.commandCalls(CancelStatementCommand).map((c) => c.args[0].input),
      [{ Id: 'batch-1' }],
    );
  });

  it('cancels within the budget it is given when that is shorter than the configured wait', async () => {
    redshift.on(DescribeStatementCommand).resolves({ Status: 'STARTED' });
    await assert.rejects(loader.loadMonth(MEDICAL_CLAIM_TABLE, '2024-12', PREFIX, 20), WarehouseLoadError);
    assert.equal(redshift.commandCalls(DescribeStatementCommand).length, 2, '20 ms of 10 ms polls, not 50 ms');
    assert.equal(redshift.commandCalls(CancelStatementCommand).length, 1);
  });

  it('refuses inputs that fail their pattern before sending any SQL', async () => {
    const refused: Array<[string, string, string]> = [
      ['2024-13', PREFIX, 'yearMonth'],
      ['2024-12', "s3://claimflow-prod-output/x'; DROP TABLE t; --/year=2024/month=12/", 's3Prefix'],
      ['2024-12', 's3://claimflow-prod-output/processed/claims/year=2024/month=11/', 's3Prefix'],
      ['2024-12', 's3://claimflow-prod-output/processed/claims/year=2024/month=12', 's3Prefix'],
    ];
    for (const [yearMonth, prefix, field] of refused) {
      await assert.rejects(loader.loadMonth(MEDICAL_CLAIM_TABLE, yearMonth, prefix), (error: unknown) => {
        assert.ok(error instanceof WarehouseInputError);
        assert.equal(error.field, field);
        assert.ok(!error.message.includes('DROP'));
        return true;
      });
    }
    assert.equal(redshift.commandCalls(BatchExecuteStatementCommand).length, 0);
    const badOptions: Array<[Partial<typeof OPTIONS>, string]> = [
      [{ iamRoleArn: "arn:aws:iam::123456789012:role/x' CREDENTIALS '" }, 'iamRoleArn'],
      [{ schema: 'claims"; DROP SCHEMA public; --' }, 'schema'],
      [{ workgroupName: 'Prod Group' }, 'workgroupName'],
    ];
    for (const [override, field] of badOptions)
      assert.throws(() => new RedshiftLoader(client, { ...OPTIONS, ...override }), { field });
  });

  it('turns too many active statements into TransientError', async () => {
    const busy = new ActiveStatementsExceededException({ $metadata: { httpStatusCode: 400 }, message: 'busy' });
    redshift.on(BatchExecuteStatementCommand).rejects(busy);
    await assert.rejects(loader.loadMonth(MEDICAL_CLAIM_TABLE, '2024-12', PREFIX), (error: unknown) => {
      assert.ok(error instanceof TransientError);
      assert.equal(error.message, 'redshift load: ActiveStatementsExceededException');
      return true;
    });
  });
});

describe('redshiftMonthLoader', () => {
  const client = new RedshiftDataClient({ region: 'us-east-1' });
  const redshift = mockClient(client);
  const env = parseLambdaEnv({
    ENVIRONMENT: 'prod',
    SNS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:claimflow-prod-processing',
    ERROR_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:claimflow-prod-errors',
    GLUE_JOB_NAME: 'claimflow-prod-run-plan',
    INPUT_BUCKET: 'claimflow-prod-input',
    OUTPUT_BUCKET: 'claimflow-prod-output',
    LEDGER_TABLE: 'claimflow-prod-ledger',
    DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/claimflow-prod-review',
    REDSHIFT_WORKGROUP: 'claimflow-prod',
    REDSHIFT_DATABASE: 'claims',
    REDSHIFT_LOAD_ROLE_ARN: 'arn:aws:iam::123456789012:role/claimflow-prod-copy',
  });

  it('loads, month by month, each table that has a published file in the month, and no other', async () => {
    redshift.reset();
    redshift.on(BatchExecuteStatementCommand).resolves({ Id: 'batch-1' });
    redshift.on(DescribeStatementCommand).resolves({ Id: 'batch-1', Status: 'FINISHED' });
    const keys = [
      'processed/claims/year=2024/month=12/a.csv-1.parquet',
      'processed/provider/year=2024/month=12/npidata.csv-1.parquet',
      'processed/pharmacy_claim/year=2025/month=01/rx.csv-1.parquet',
      // Not a published file: the month's eligibility folder holds nothing to load.
      'processed/eligibility/year=2025/month=01/notes.txt',
    ];
    const listed: string[] = [];
    const listKeys = async (prefix: string): Promise<string[]> => {
      listed.push(prefix);
      return keys.filter((k) => k.startsWith(prefix));
    };
    const load = redshiftMonthLoader(env, client, listKeys);
    assert.ok(load);
    // Each batch is polled once, after the loader's 2 s interval.
    await load(['2024-12', '2025-01']);
    assert.deepEqual(
      redshift.commandCalls(BatchExecuteStatementCommand).map((c) => c.args[0].input.StatementName),
      [
        'claimflow-load-medical_claim-2024-12',
        'claimflow-load-provider-2024-12',
        'claimflow-load-pharmacy_claim-2025-01',
      ],
    );
    assert.equal(listed.length, 8, 'every table, each month');
    const copy = redshift.commandCalls(BatchExecuteStatementCommand)[1]?.args[0].input.Sqls?.[2];
    assert.match(
      copy ?? '',
      /^COPY "provider_staging" FROM 's3:\/\/claimflow-prod-output\/processed\/provider\/year=2024\/month=12\/'/,
    );
  });

  it('is not made without a Redshift workgroup', () => {
    const { REDSHIFT_WORKGROUP: _w, REDSHIFT_DATABASE: _d, REDSHIFT_LOAD_ROLE_ARN: _r, ...rest } = env;
    assert.equal(
      redshiftMonthLoader(rest, client, async () => []),
      undefined,
    );
  });
});
