import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLEAN_CLAIM_LINE } from '../../test/support/clean-claim-line.ts';
import { SHARED_DIR } from '../../test/support/shared.ts';
import { DuckDbEngine } from '../adapters/duckdb/duckdb-engine.ts';
import { codeSetTable, loadCodeSets } from '../adapters/duckdb/load-code-sets.ts';
import { ROW_RULES } from '../domain/rule-catalog.ts';
import { ClaimGenerator, GENERATED_COLUMNS } from '../domain/synthetic-claims.ts';
import { type CheckLookups, type PlanSettings, StagePlan } from './compile-plan.ts';
import { duckdbDialect as sql } from './duckdb-dialect.ts';

type Row = Record<string, string | null>;

/** A professional line that passes every rule of the catalog (shared with the file-job tests). */
const CLEAN: Row = CLEAN_CLAIM_LINE;

const SETTINGS: PlanSettings = {
  rules: ROW_RULES,
  runDate: '2026-01-01',
  thresholds: {
    earliestDate: '1900-01-01',
    amountTolerance: 0.01,
    timelyFilingDays: 365,
    timelyFilingBasis: 'paid_date',
  },
  codeSetRelation: codeSetTable,
  publishedLayout: 'populated' as const,
};
let engine: DuckDbEngine;

/** Maps rows through the plan's map and check stages; returns each row's failed rule ids, in order. */
async function check(
  rows: readonly Row[],
  settings = SETTINGS,
): Promise<Array<{ errors: string[]; warnings: string[] }>> {
  const { plan, mapped, lookups } = await mapAndGroup(rows, settings);
  await engine.run(`CREATE OR REPLACE TEMP TABLE checked AS ${plan.check(`(${mapped}) AS m`, lookups)}`);
  // Rows that failed nothing have no failures row: their lists are empty.
  const result = await engine.query(
    `SELECT f.dq_errors, f.dq_warnings FROM checked LEFT JOIN (${plan.failures('checked')}) AS f USING (source_row_number) ORDER BY source_row_number`,
  );
  return result.map((r) => ({
    errors: (r.dq_errors ?? []) as string[],
    warnings: (r.dq_warnings ?? []) as string[],
  }));
}

/** The plan over the rows, their mapped relation, and the claim stats and known codes tables (when the rules need them). */
async function mapAndGroup(
  rows: readonly Row[],
  settings = SETTINGS,
): Promise<{ plan: StagePlan; mapped: string; lookups: CheckLookups }> {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => c !== '_ingest_error');
  const values = rows
    .map((r, i) => {
      const cells = [...columns, '_ingest_error'].map((c) =>
        r[c] == null ? 'NULL' : sql.stringLiteral(r[c] as string),
      );
      return `(${[String(i + 1), ...cells].join(', ')})`;
    })
    .join(', ');
  const names = ['_row_number', ...columns, '_ingest_error'].map(sql.quoteIdent).join(', ');
  const plan = new StagePlan(sql, settings, columns);
  const mapped = plan.map(
    {
      mappings: columns.map((c) => ({ canonical: c, sourceExpr: sql.quoteIdent(c) })),
      extras: [],
      lineage: { jobId: 'job', fileName: 'f.csv', ingestDatetime: '2026-01-01T00:00:00Z', dataSource: 'test' },
      rowNumberExpr: '_row_number',
      ingestErrorExpr: '_ingest_error',
      rawLineExpr: 'NULL',
    },
    `(SELECT * FROM (VALUES ${values}) AS t(${names}))`,
  );
  const stats = plan.claimStats(`(${mapped}) AS m`);
  if (stats) await engine.run(`CREATE OR REPLACE TEMP TABLE claim_stats AS ${stats}`);
  const unknown = plan.unknownCodes(`(${mapped}) AS m`);
  if (unknown) {
    await engine.run(`CREATE OR REPLACE TEMP TABLE unknown_codes AS ${unknown}`);
    const lines = plan.unknownCodeLines(`(${mapped}) AS m`, 'unknown_codes');
    await engine.run(`CREATE OR REPLACE TEMP TABLE unknown_code_lines AS ${lines}`);
  }
  return {
    plan,
    mapped,
    lookups: {
      ...(stats ? { claimStats: 'claim_stats' } : {}),
      ...(unknown ? { unknownCodeLines: 'unknown_code_lines' } : {}),
    },
  };
}

const failures = async (rows: readonly Row[], settings = SETTINGS): Promise<string[][]> =>
  (await check(rows, settings)).map((r) => [...r.errors, ...r.warnings].sort());

/** One planted defect per rule: the rows to check and the rule ids each must break (and no others). */
const DEFECTS: ReadonlyArray<[string, Row[], string[][]]> = [
  ['malformed_row', [{ ...CLEAN, _ingest_error: 'TOO MANY COLUMNS' }], [['malformed_row']]],
  ['required_field_missing', [{ ...CLEAN, person_id: '  ' }], [['required_field_missing']]],
  ['invalid_date_format', [{ ...CLEAN, claim_line_start_date: '2025-02-30' }], [['invalid_date_format']]],
  ['date_out_of_range', [{ ...CLEAN, birth_date: '1899-12-31' }], [['date_out_of_range']]],
  ['claim_start_after_end', [{ ...CLEAN, claim_start_date: '2025-03-11' }], [['claim_start_after_end']]],
  [
    'claim_line_start_after_end',
    [{ ...CLEAN, claim_line_start_date: '2025-03-10', claim_line_end_date: '2025-03-09' }],
    [['claim_line_start_after_end']],
  ],
  [
    'admission_after_discharge',
    [{ ...CLEAN, admission_date: '2025-03-10', discharge_date: '2025-03-08' }],
    [['admission_after_discharge']],
  ],
  ['invalid_claim_line_number', [{ ...CLEAN, claim_line_number: '0' }], [['invalid_claim_line_number']]],
  ['invalid_amount', [{ ...CLEAN, charge_amount: '12.3.4' }], [['invalid_amount']]],
  ['invalid_npi', [{ ...CLEAN, billing_npi: '1234567890' }], [['invalid_npi']]],
  ['invalid_icd10cm_format', [{ ...CLEAN, diagnosis_code_2: '123' }], [['invalid_icd10cm_format']]],
  ['invalid_hcpcs_format', [{ ...CLEAN, hcpcs_code: 'ABCDE' }], [['invalid_hcpcs_format']]],
  ['invalid_place_of_service', [{ ...CLEAN, place_of_service_code: '1A' }], [['invalid_place_of_service']]],
  ['unknown_place_of_service', [{ ...CLEAN, place_of_service_code: '98' }], [['unknown_place_of_service']]],
  ['invalid_claim_type', [{ ...CLEAN, claim_type: 'medical' }], [['invalid_claim_type']]],
  ['invalid_units', [{ ...CLEAN, service_unit_quantity: '0' }], [['invalid_units']]],
  [
    'multiple_persons_per_claim',
    [CLEAN, { ...CLEAN, claim_line_number: '2', person_id: 'P2' }],
    [['multiple_persons_per_claim'], ['multiple_persons_per_claim']],
  ],
  [
    'negative_amount',
    [{ ...CLEAN, charge_amount: '-10.00', allowed_amount: '-10.00', paid_amount: '-10.00' }],
    [['negative_amount']],
  ],
  ['paid_exceeds_allowed', [{ ...CLEAN, paid_amount: '11.00' }], [['paid_exceeds_allowed']]],
  ['allowed_exceeds_charge', [{ ...CLEAN, charge_amount: '8.00' }], [['allowed_exceeds_charge']]],
  ['amount_breakdown_mismatch', [{ ...CLEAN, copayment_amount: '5.00' }], [['amount_breakdown_mismatch']]],
  ['unknown_icd10cm_code', [{ ...CLEAN, diagnosis_code_1: 'E11' }], [['unknown_icd10cm_code']]],
  [
    'invalid_icd10pcs_format',
    [{ ...CLEAN, procedure_code_type: 'icd-10-pcs', procedure_code_1: '0DT' }],
    [['invalid_icd10pcs_format']],
  ],
  ['unknown_hcpcs_code', [{ ...CLEAN, hcpcs_code: 'V9999' }], [['unknown_hcpcs_code']]],
  ['invalid_bill_type', [{ ...CLEAN, bill_type_code: '19Z' }], [['invalid_bill_type']]],
  ['invalid_revenue_code', [{ ...CLEAN, revenue_center_code: '9999' }], [['invalid_revenue_code']]],
  ['invalid_drg', [{ ...CLEAN, drg_code: '000' }], [['invalid_drg']]],
  ['missing_pos_professional', [{ ...CLEAN, place_of_service_code: null }], [['missing_pos_professional']]],
  [
    'missing_bill_type_institutional',
    [{ ...CLEAN, claim_type: 'institutional', place_of_service_code: null }],
    [['missing_bill_type_institutional']],
  ],
  ['invalid_gender', [{ ...CLEAN, gender: 'x' }], [['invalid_gender']]],
  ['paid_before_service', [{ ...CLEAN, paid_date: '2025-03-09' }], [['paid_before_service']]],
  [
    'multiple_claim_types_per_claim',
    [CLEAN, { ...CLEAN, claim_line_number: '2', claim_type: 'institutional', bill_type_code: '131' }],
    [['multiple_claim_types_per_claim'], ['multiple_claim_types_per_claim']],
  ],
  ['birth_after_service', [{ ...CLEAN, birth_date: '2025-03-11' }], [['birth_after_service']]],
  ['invalid_in_network_flag', [{ ...CLEAN, in_network_flag: 'Y' }], [['invalid_in_network_flag']]],
  [
    'late_claim',
    [{ ...CLEAN, claim_start_date: '2024-12-01', claim_end_date: '2024-12-01', paid_date: '2025-12-20' }],
    [['late_claim']],
  ],
];

describe('rule catalog compiled to DuckDB SQL', () => {
  before(async () => {
    engine = await DuckDbEngine.open({ path: ':memory:' });
    const loaded = await loadCodeSets(engine, join(SHARED_DIR, 'refdata'));
    assert.equal(loaded.size, 6);
  });
  after(() => engine.close());

  it('has one planted defect for every row rule', () => {
    assert.deepEqual([...new Set(DEFECTS.map(([id]) => id))].sort(), ROW_RULES.map((r) => r.id).sort());
  });

  for (const [id, rows, expected] of DEFECTS) {
    it(`${id} fires on its planted row and nothing else fires`, async () => {
      assert.deepEqual(await failures(rows), expected);
    });
  }

  it("judges late_claim from the claim's own paid_date, and from the run date only when configured", async () => {
    const ended = { ...CLEAN, claim_start_date: '2019-06-01', claim_end_date: '2019-06-03' };
    const rows = [
      { ...ended, paid_date: '2019-06-20' }, // paid 17 days after service: timely, years before the run date
      { ...ended, paid_date: '2020-06-03' }, // paid 366 days after service
      { ...ended, paid_date: '2020-06-02' }, // 365 days: at the limit, not over it
      { ...ended, paid_date: null }, // no paid date: nothing to judge by
      { ...ended, paid_date: '2099-01-15' }, // after the run date: out of range, not late
    ];
    assert.deepEqual(await failures(rows), [[], ['late_claim'], [], [], ['date_out_of_range']]);
    const byRunDate: PlanSettings = {
      ...SETTINGS,
      thresholds: { ...SETTINGS.thresholds, timelyFilingBasis: 'run_date' },
    };
    assert.deepEqual(
      (await failures(rows, byRunDate)).map((ids) => ids.includes('late_claim')),
      [true, true, true, true, true],
    );
    const recent = { ...CLEAN, claim_end_date: '2025-12-01', paid_date: '2025-12-10' };
    assert.deepEqual(await failures([recent], byRunDate), [[]]);
  });

  it('passes clean rows: the hand-made one and 3000 generated lines', async () => {
    assert.deepEqual(await failures([CLEAN]), [[]]);
    const generator = new ClaimGenerator({ seed: 9, defectRate: 0, month: '2025-10' });
    const rows = Array.from({ length: 3000 }, () => {
      const { row } = generator.next();
      return Object.fromEntries(GENERATED_COLUMNS.map((c) => [c, row[c] || null]));
    });
    const result = await failures(rows);
    const failing = result.flatMap((ids, i) => (ids.length > 0 ? [`row ${i + 1}: ${ids.join(',')}`] : []));
    assert.deepEqual(failing, []);
  });

  it('reads every supported date format and rejects impossible dates', async () => {
    for (const date of ['2025-03-10', '20250310', '03/10/2025', '10-Mar-2025']) {
      assert.deepEqual(await failures([{ ...CLEAN, claim_start_date: date }]), [[]], date);
    }
    for (const date of ['2025-02-30', '13/01/2025', 'yesterday', '2025-1-1x']) {
      assert.deepEqual(await failures([{ ...CLEAN, claim_line_start_date: date }]), [['invalid_date_format']], date);
    }
  });

  it('normalises codes before checking them: ICD dots and case, short POS and revenue codes, 4-digit bill types', async () => {
    const padded = { ...CLEAN, diagnosis_code_1: 'e11.9', place_of_service_code: '2', revenue_center_code: '450' };
    assert.deepEqual(await failures([{ ...padded, bill_type_code: '0131', drg_code: '65' }]), [[]]);
  });

  it('looks each distinct code up once, yet judges each line by its own columns', async () => {
    const unknown = ['unknown_icd10cm_code'];
    const rows = [
      { ...CLEAN, bill_type_code: '0131' },
      { ...CLEAN, diagnosis_code_2: 'E11', bill_type_code: null },
      // The same texts as the line above, in the other columns: the unknown one is still flagged.
      { ...CLEAN, diagnosis_code_1: 'E11', diagnosis_code_2: 'E11.9', bill_type_code: '  ' },
      { ...CLEAN, diagnosis_code_2: 'E11', bill_type_code: null },
      // Texts that differ but type to the same known code; a NULL code of a list with no unknown code.
      { ...CLEAN, diagnosis_code_1: ' e11.9 ', diagnosis_code_2: 'E119', bill_type_code: 'NULL' },
      { ...CLEAN, diagnosis_code_1: 'E11', diagnosis_code_2: 'E11', revenue_center_code: '9999' },
    ];
    assert.deepEqual(await failures(rows), [[], unknown, unknown, unknown, [], ['invalid_revenue_code', ...unknown]]);
    const { plan, mapped } = await mapAndGroup(rows);
    const m = `(${mapped}) AS m`;
    const texts = await engine.query(`SELECT _raw FROM (${plan.unknownCodes(m)}) AS u ORDER BY _raw`);
    // 99213 is a CPT code, not in the HCPCS level II list (its rule skips codes not shaped like one).
    assert.deepEqual(
      texts.map((r) => r._raw),
      ['99213', '9999', 'E11'],
      'each unknown text once, whatever the lines and columns holding it',
    );
    const [lines] = await engine.query(`SELECT COUNT(*) AS n FROM unknown_code_lines`);
    // The distinct tuples of a list's columns with an unknown code: 3 of diagnoses, 1 HCPCS, 1 revenue code.
    assert.equal(Number(lines?.n), 5);
  });

  it('groups claim-level facts and repeated dedupe keys the same in hash slices as in one pass', async () => {
    const generator = new ClaimGenerator({ seed: 4, defectRate: 0.3, month: '2025-10' });
    const rows = Array.from({ length: 3000 }, () => {
      const { row } = generator.next();
      return Object.fromEntries(GENERATED_COLUMNS.map((c) => [c, row[c] || null]));
    });
    const { plan, mapped, lookups } = await mapAndGroup(rows);
    await engine.run(`CREATE OR REPLACE TEMP TABLE checked AS ${plan.check(`(${mapped}) AS m`, lookups)}`);
    const sorted = async (query: string): Promise<string[]> =>
      (await engine.query(query))
        .map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? String(v) : v)))
        .sort();
    const inSlices = (slice: (index: number) => string): string =>
      [0, 1, 2].map((index) => `SELECT * FROM (${slice(index)})`).join(' UNION ALL ');
    const whole = await sorted(plan.claimStats(`(${mapped}) AS m`) ?? '');
    assert.ok(whole.length > 0, 'some claims vary');
    assert.deepEqual(
      await sorted(inSlices((index) => plan.claimStats(`(${mapped}) AS m`, { of: 3, index }) ?? '')),
      whole,
    );
    const repeated = await sorted(plan.repeatedKeys('checked'));
    assert.ok(repeated.length > 0, 'some keys repeat');
    assert.deepEqual(await sorted(inSlices((index) => plan.repeatedKeys('checked', { of: 3, index }))), repeated);
  });

  it('tells a missing required field from an unparseable one, and lists every rule a row breaks', async () => {
    assert.deepEqual(await failures([{ ...CLEAN, claim_start_date: null }]), [['required_field_missing']]);
    assert.deepEqual(await failures([{ ...CLEAN, claim_type: 'x', paid_amount: 'y', person_id: null }]), [
      ['invalid_amount', 'invalid_claim_type', 'required_field_missing'],
    ]);
  });
});
