import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { claimflow, tempDir } from '../../test/support/cli.ts';
import { SHARED_DIR } from '../../test/support/shared.ts';
import { GENERATED_COLUMNS } from '../domain/synthetic-claims.ts';
import type { EnginePlan } from '../plan/engine-plan.ts';
import { planCommand, planFlagsSchema } from './plan-command.ts';

/** Runs the command as main.ts would, keeping what it prints. */
async function plan(file: string, raw: Record<string, unknown>): Promise<{ code: number; plan?: EnginePlan }> {
  let printed = '';
  const code = await planCommand(file, planFlagsSchema.parse(raw), (text) => {
    printed += text;
  });
  return { code, plan: printed ? (JSON.parse(printed) as EnginePlan) : undefined };
}

describe('claimflow plan', () => {
  let dir: string;
  let csv: string;
  let ndjson: string;

  before(async () => {
    dir = await tempDir('plan');
    csv = join(dir, 'claims.csv');
    ndjson = join(dir, 'claims.ndjson');
    for (const [out, format] of [
      [csv, 'csv'],
      [ndjson, 'ndjson'],
    ] as const) {
      const generated = await claimflow('generate', '--rows', '50', '--out', out, '--format', format);
      assert.equal(generated.code, 0, generated.stderr);
    }
  });

  it('prints the Spark plan of a generated CSV: its header, the reference lists, every stage', async () => {
    const result = await plan(csv, { refdata: join(SHARED_DIR, 'refdata'), runDate: '2026-01-31' });
    assert.equal(result.code, 0);
    const p = result.plan;
    assert.ok(p);
    assert.equal(p.dialect, 'spark');
    assert.match(p.job_id, /^claims-etl-\d{8}-\d{6}-\d{4}$/);
    assert.deepEqual(p.input, {
      view: 'source_rows',
      path: csv,
      format: 'csv',
      compression: 'none',
      delimiter: ',',
      columns: [...GENERATED_COLUMNS],
      view_columns: GENERATED_COLUMNS.map((_, i) => `col_${i + 1}`),
    });
    assert.equal(p.settings['spark.sql.ansi.enabled'], 'false');
    assert.deepEqual(Object.keys(p.code_sets).sort(), [
      'refdata_bill_type',
      'refdata_hcpcs_level_2',
      'refdata_icd10cm',
      'refdata_ms_drg',
      'refdata_place_of_service',
      'refdata_revenue_center',
    ]);
    for (const path of Object.values(p.code_sets)) assert.ok(existsSync(path), path);
    const outputs = Object.fromEntries(p.statements.flatMap((s) => (s.output ? [[s.name, s.output]] : [])));
    assert.deepEqual(outputs.claims, {
      path: `temp/${p.job_id}/claims`,
      format: 'parquet',
      partition_by: ['year', 'month'],
    });
    assert.deepEqual(Object.keys(outputs), [
      'ingested',
      ...['summary', 'rule_counts', 'rule_samples', 'dimension_failures', 'quarantine', 'duplicate_counts', 'claims'],
      ...['aggregation_monthly_by_payer_claim_type', 'aggregation_monthly_by_rendering_provider'],
    ]);
    // The run date and the reference lists reach the SQL.
    const checked = p.statements.find((s) => s.name === 'checked')?.sql ?? '';
    assert.match(checked, /DATE '2026-01-31'/);
    // Each distinct code is looked up in its list once (unknown_codes); the check joins the lines found.
    const unknown = p.statements.find((s) => s.name === 'unknown_codes')?.sql ?? '';
    assert.match(unknown, /ref_icd10cm/);
    assert.match(
      checked,
      /LEFT JOIN \(SELECT \* FROM unknown_code_lines WHERE _group = \d+\) AS _unknown_codes_\d+ ON/,
    );
  });

  it('leaves out the code-set rules without reference data, and renders DuckDB SQL when asked', async () => {
    const result = await plan(csv, { dialect: 'duckdb' });
    assert.equal(result.code, 0);
    assert.equal(result.plan?.dialect, 'duckdb');
    assert.deepEqual(result.plan?.code_sets, {});
    assert.deepEqual(result.plan?.settings, {});
    const checked = result.plan?.statements.find((s) => s.name === 'checked')?.sql ?? '';
    assert.match(checked, /regexp_full_match/);
    assert.doesNotMatch(checked, /ref_icd10cm|unknown_icd10cm_code/);
  });

  it('reads the columns of an NDJSON file from the records in its head', async () => {
    const result = await plan(ndjson, {});
    assert.equal(result.code, 0);
    assert.equal(result.plan?.input.format, 'ndjson');
    assert.equal(result.plan?.input.delimiter, null);
    assert.deepEqual(result.plan?.input.columns, [...GENERATED_COLUMNS].sort());
  });

  it('exits 2 for a file that would be rejected whole, and prints no plan', async () => {
    const bad = join(dir, 'no-person.csv');
    await writeFile(
      bad,
      'claim_id,claim_line_number,claim_type,claim_start_date,claim_end_date\nC1,1,professional,2025-01-01,2025-01-01\n',
    );
    assert.deepEqual(await plan(bad, {}), { code: 2, plan: undefined });
  });

  it('rejects an unknown dialect at the edge', () => {
    assert.throws(() => planFlagsSchema.parse({ dialect: 'trino' }), /Invalid option|expected one of/i);
  });
});
