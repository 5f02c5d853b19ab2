import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDbEngine } from '../../src/adapters/duckdb/duckdb-engine.ts';
import { planCommand, planFlagsSchema } from '../../src/cli/plan-command.ts';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import { duckdbDialect as sql } from '../../src/plan/duckdb-dialect.ts';
import type { EnginePlan } from '../../src/plan/engine-plan.ts';
import { claimflow, tempDir } from '../support/cli.ts';
import { runEnginePlan } from '../support/engine-plan-runner.ts';
import { SHARED_DIR } from '../support/shared.ts';

const lit = sql.stringLiteral;

/**
 * The engine plan is one statement graph for any engine. Rendered in the DuckDB dialect and run
 * statement by statement, as the Glue runner runs the Spark one, it must give what `claimflow run`
 * gives for the same file: the counts, samples, quarantined rows, published lines and aggregations.
 */
describe('the engine plan, run statement by statement on DuckDB', () => {
  let dir: string;
  let root: string;
  let report: ValidationReport;
  let plan: EnginePlan;
  let engine: DuckDbEngine;
  const refdata = join(SHARED_DIR, 'refdata');

  before(async () => {
    dir = await tempDir('engine-plan');
    const input = join(dir, 'claims.csv');
    root = join(dir, 'root');
    const generate = ['--rows', '4000', '--out', input, '--seed', '21', '--defect-rate', '0.06', '--month', '2025-10'];
    assert.equal((await claimflow('generate', ...generate)).code, 0);
    const flags = ['--run-date', '2026-01-31', '--refdata', refdata, '--error-threshold', '0.5'];
    const run = await claimflow('run', input, '--root', root, '--json', ...flags);
    assert.equal(run.code, 0, run.stderr);
    const [reportFile] = (await readdir(join(root, 'validation-reports'))).filter((f) => f.endsWith('.json'));
    report = JSON.parse(await readFile(join(root, 'validation-reports', reportFile ?? ''), 'utf8'));

    let printed = '';
    const code = await planCommand(
      input,
      planFlagsSchema.parse({ dialect: 'duckdb', refdata, runDate: '2026-01-31' }),
      (text) => {
        printed += text;
      },
    );
    assert.equal(code, 0);
    plan = JSON.parse(printed) as EnginePlan;

    engine = await DuckDbEngine.open({ path: ':memory:' });
    await runEnginePlan(engine, plan, dir);
  });
  after(() => engine?.close());

  const rows = (query: string) => engine.query(query);
  /** An order-free fingerprint of a relation's rows, without the columns that differ per job. */
  const fingerprint = async (relation: string, drop: readonly string[] = []) => {
    const columns = drop.length > 0 ? `* EXCLUDE (${drop.join(', ')})` : '*';
    const [row] = await rows(`SELECT COUNT(*) AS n, SUM(hash(t)) AS h FROM (SELECT ${columns} FROM ${relation}) AS t`);
    return { n: Number(row?.n), h: String(row?.h) };
  };

  it('counts the rows and each rule as the report does, with the same samples', async () => {
    const [summary] = await rows('SELECT * FROM summary');
    assert.equal(Number(summary?.total), report.summary.total_records);
    assert.equal(Number(summary?.quarantined), report.summary.error_records);
    assert.ok(report.summary.error_records > 100, 'the file has planted defects');
    const counts = Object.fromEntries(
      (await rows('SELECT * FROM rule_counts')).map((r) => [String(r.rule_id), Number(r.row_count)]),
    );
    const reported = Object.fromEntries(
      report.rules
        .filter((r) => r.row_count > 0 && r.rule_id !== 'conflicting_duplicate_key')
        .map((r) => [r.rule_id, r.row_count]),
    );
    assert.deepEqual(counts, reported);
    const samples = await rows(
      'SELECT rule_id, source_row_number FROM rule_samples ORDER BY rule_id, source_row_number',
    );
    for (const rule of report.rules.filter((r) => r.row_count > 0 && r.rule_id in counts)) {
      assert.deepEqual(
        samples.filter((s) => s.rule_id === rule.rule_id).map((s) => Number(s.source_row_number)),
        rule.samples.map((s) => s.source_row_number),
        rule.rule_id,
      );
    }
  });

  it('finds the same duplicates', async () => {
    const [d] = await rows('SELECT * FROM duplicate_counts');
    const distinct = Number(d?.distinct_lines);
    assert.deepEqual(
      { exact: Number(d?.repeated_rows) - distinct, conflicting_key: distinct - Number(d?.kept) },
      { exact: report.duplicates_removed.exact, conflicting_key: report.duplicates_removed.conflicting_key },
    );
    assert.ok(report.duplicates_removed.total > 0);
  });

  it('quarantines and publishes the same rows, and aggregates them the same', async () => {
    const perJob = ['job_id', 'ingest_datetime'];
    assert.deepEqual(
      await fingerprint('quarantine', perJob),
      await fingerprint(`read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))})`, perJob),
    );
    const claims = await fingerprint('claims', [...perJob, 'year', 'month']);
    assert.equal(claims.n, report.processed_records);
    assert.deepEqual(
      claims,
      await fingerprint(
        `read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))}, hive_partitioning = false)`,
        perJob,
      ),
    );
    for (const name of ['monthly_by_payer_claim_type', 'monthly_by_rendering_provider']) {
      const published = `read_parquet(${lit(join(root, 'processed/aggregations', name, '*.parquet'))})`;
      assert.deepEqual(await fingerprint(`aggregation_${name}`), await fingerprint(published), name);
    }
  });
});

describe('the engine plan of a file whose header repeats names or uses internal ones', () => {
  it('reads them as data and publishes and quarantines what `claimflow run` does', async () => {
    const dir = await tempDir('engine-plan-names');
    const input = join(dir, 'named.csv');
    const header = 'claim_id,claim_line_number,claim_type,person_id,claim_start_date,claim_end_date,paid_amount';
    const extra = 'payer,Payer,_row_number,_raw_line,_ingest_error,file_row_number,source_rows';
    const lines = [
      `${header},${extra}`,
      'C1,1,professional,P1,2025-10-02,2025-10-02,10.00,Acme,Other,r1,l1,e1,f1,s1',
      // The CSV reader of runEnginePlan keeps no malformed records (Spark's does): every row splits.
      'C2,1,professional,P2,2025-10-03,2025-10-03,oops,Gamma,,r2,l2,e2,f2,s2',
      'C3,1,professional,P3,2025-10-03,2025-10-03,3.00,Beta,More,r3,l3,e3,f3,s3',
    ];
    await writeFile(input, `${lines.join('\n')}\n`);
    const root = join(dir, 'root');
    const flags = ['--run-date', '2026-01-31', '--error-threshold', '1'];
    const run = await claimflow('run', input, '--root', root, ...flags);
    assert.equal(run.code, 0, run.stderr);
    let printed = '';
    const planFlags = planFlagsSchema.parse({ dialect: 'duckdb', runDate: '2026-01-31' });
    assert.equal(await planCommand(input, planFlags, (text) => (printed += text)), 0);
    const plan = JSON.parse(printed) as EnginePlan;
    const engine = await DuckDbEngine.open({ path: ':memory:' });
    try {
      await runEnginePlan(engine, plan, dir);
      const claims = await engine.query(
        'SELECT claim_id, source_row_number, payer, extra_columns FROM claims ORDER BY source_row_number',
      );
      assert.deepEqual(
        claims.map((r) => [r.claim_id, Number(r.source_row_number), r.payer, JSON.parse(String(r.extra_columns))]),
        [
          [
            'C1',
            1,
            'Acme',
            {
              Payer: 'Other',
              _row_number: 'r1',
              _raw_line: 'l1',
              _ingest_error: 'e1',
              file_row_number: 'f1',
              source_rows: 's1',
            },
          ],
          [
            'C3',
            3,
            'Beta',
            {
              Payer: 'More',
              _row_number: 'r3',
              _raw_line: 'l3',
              _ingest_error: 'e3',
              file_row_number: 'f3',
              source_rows: 's3',
            },
          ],
        ],
      );
      const perJob = 'job_id, ingest_datetime';
      const same = async (relation: string, published: string) => {
        const query = (from: string) => `SELECT * EXCLUDE (${perJob}) FROM ${from} ORDER BY source_row_number`;
        assert.deepEqual(await engine.query(query(relation)), await engine.query(query(published)), relation);
      };
      await same('quarantine', `read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))})`);
      await same(
        '(SELECT * EXCLUDE (year, month) FROM claims)',
        `read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))}, hive_partitioning = false)`,
      );
      const quarantined = await engine.query(
        'SELECT source_row_number, dq_errors, payer, extra_columns FROM quarantine',
      );
      assert.deepEqual(
        quarantined.map((r) => [
          Number(r.source_row_number),
          r.dq_errors,
          r.payer,
          JSON.parse(String(r.extra_columns)),
        ]),
        [
          [
            2,
            ['invalid_amount'],
            'Gamma',
            {
              Payer: null,
              _row_number: 'r2',
              _raw_line: 'l2',
              _ingest_error: 'e2',
              file_row_number: 'f2',
              source_rows: 's2',
            },
          ],
        ],
      );
    } finally {
      engine.close();
    }
  });
});
