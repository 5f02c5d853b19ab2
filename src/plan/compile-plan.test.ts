import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDbEngine } from '../adapters/duckdb/duckdb-engine.ts';
import { ROW_RULES } from '../domain/rule-catalog.ts';
import { StagePlan } from './compile-plan.ts';
import { duckdbDialect as sql } from './duckdb-dialect.ts';

const CLEAN = {
  claim_id: 'C1',
  claim_line_number: '1',
  claim_type: 'professional',
  person_id: 'P1',
  claim_start_date: '2025-01-10',
  claim_end_date: '2025-01-10',
  paid_amount: '10.00',
};

const plan = new StagePlan(sql, ROW_RULES, '2026-01-01');
let engine: DuckDbEngine;

/** Maps the rows through the plan and returns what check says of each, in order. */
async function check(
  rows: ReadonlyArray<Record<string, string | null>>,
): Promise<Array<{ errors: string[]; warnings: string[] }>> {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const values = rows
    .map(
      (r, i) =>
        `(${[String(i + 1), ...columns.map((c) => (r[c] == null ? 'NULL' : sql.stringLiteral(r[c] as string)))].join(', ')})`,
    )
    .join(', ');
  const source = `(SELECT * FROM (VALUES ${values}) AS t(${['_row_number', ...columns].map(sql.quoteIdent).join(', ')}))`;
  const mapped = plan.map(
    {
      mappings: columns.map((c) => ({ canonical: c, sourceExpr: sql.quoteIdent(c) })),
      extras: [],
      lineage: { jobId: 'job', fileName: 'f.csv', ingestDatetime: '2026-01-01T00:00:00Z', dataSource: 'test' },
      rowNumberExpr: '_row_number',
      ingestErrorExpr: 'NULL',
      rawLineExpr: 'NULL',
    },
    source,
  );
  const result = await engine.query(
    `SELECT dq_errors, dq_warnings FROM (${plan.check(`(${mapped}) AS m`)}) ORDER BY source_row_number`,
  );
  return result.map((r) => ({ errors: r.dq_errors as string[], warnings: r.dq_warnings as string[] }));
}

async function errorsOf(overrides: Record<string, string | null>): Promise<string[]> {
  const [row] = await check([{ ...CLEAN, ...overrides }]);
  return row?.errors ?? [];
}

describe('rule catalog compiled to DuckDB SQL', () => {
  before(async () => {
    engine = await DuckDbEngine.open({ path: ':memory:' });
  });
  after(() => engine.close());

  it('passes a clean row', async () => {
    assert.deepEqual(await check([CLEAN]), [{ errors: [], warnings: [] }]);
  });

  it('reads every supported date format and rejects impossible dates', async () => {
    for (const date of ['2025-01-10', '20250110', '01/10/2025', '10-Jan-2025']) {
      assert.deepEqual(await errorsOf({ claim_start_date: date }), [], date);
    }
    for (const date of ['2025-02-30', '13/01/2025', 'yesterday', '2025-1-1x']) {
      assert.deepEqual(await errorsOf({ claim_start_date: date, claim_end_date: date }), ['invalid_date_format'], date);
    }
  });

  it('tells a missing required field from an unparseable one', async () => {
    assert.deepEqual(await errorsOf({ person_id: '  ' }), ['required_field_missing']);
    assert.deepEqual(await errorsOf({ claim_start_date: null }), ['required_field_missing']);
    assert.deepEqual(await errorsOf({ claim_line_number: 'x' }), ['invalid_claim_line_number']);
    assert.deepEqual(await errorsOf({ claim_line_number: '0' }), ['invalid_claim_line_number']);
  });

  it('checks date ranges and ordering', async () => {
    assert.deepEqual(await errorsOf({ paid_date: '2027-01-01' }), ['date_out_of_range']);
    assert.deepEqual(await errorsOf({ birth_date: '1899-12-31' }), ['date_out_of_range']);
    assert.deepEqual(await errorsOf({ claim_start_date: '2025-01-11' }), ['claim_start_after_end']);
    assert.deepEqual(await errorsOf({ claim_line_start_date: '2025-01-10', claim_line_end_date: '2025-01-09' }), [
      'claim_line_start_after_end',
    ]);
  });

  it('validates amounts and claim types, and warns on negative amounts', async () => {
    assert.deepEqual(await errorsOf({ paid_amount: '$1,234.50' }), []);
    assert.deepEqual(await errorsOf({ allowed_amount: '12.3.4' }), ['invalid_amount']);
    assert.deepEqual(await errorsOf({ charge_amount: '123456789012' }), ['invalid_amount']);
    assert.deepEqual(await errorsOf({ claim_type: 'PROFESSIONAL' }), []);
    assert.deepEqual(await errorsOf({ claim_type: 'medical' }), ['invalid_claim_type']);
    assert.deepEqual(await check([{ ...CLEAN, paid_amount: '-5.00' }]), [
      { errors: [], warnings: ['negative_amount'] },
    ]);
  });

  it('lists every rule a row breaks', async () => {
    const errors = await errorsOf({ claim_type: 'x', paid_amount: 'y', person_id: null });
    assert.deepEqual([...errors].sort(), ['invalid_amount', 'invalid_claim_type', 'required_field_missing']);
  });
});
