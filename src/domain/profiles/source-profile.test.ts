import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LINEAGE_COLUMNS } from '../canonical-model.ts';
import { tableOfLayout } from '../tables/layout-table.ts';
import { MEDICAL_CLAIM_TABLE, PHARMACY_CLAIM_TABLE } from '../tables/tables.ts';
import { BUILTIN_PROFILES } from './builtin-profiles.ts';
import { CMS_SYNPUF_PROFILE } from './cms-synpuf-profile.ts';
import { neverCarriedColumns, type SourceLayout } from './source-profile.ts';

const layoutOf = (id: string): SourceLayout => {
  const layout = CMS_SYNPUF_PROFILE.layouts.find((l) => l.id === id);
  assert.ok(layout, id);
  return layout;
};

const MEDICAL = MEDICAL_CLAIM_TABLE.columns;

describe('neverCarriedColumns: the columns of its table a layout never has', () => {
  it('derives them from a mapped layout: SynPUF inpatient has no bill type, POS or allowed amount; its constants, slots and code systems count as carried', () => {
    const never = neverCarriedColumns(layoutOf('inpatient'), MEDICAL);
    for (const c of ['bill_type_code', 'place_of_service_code', 'allowed_amount', 'paid_date', 'revenue_center_code'])
      assert.ok(never.includes(c), c);
    for (const c of [
      'claim_type', // a constant
      'hcpcs_code', // an unpivot slot
      'claim_line_number', // the unpivot's line
      'diagnosis_code_type', // a code system
      'procedure_code_type',
      'gender', // from a companion
      'drg_code',
      'paid_amount',
    ])
      assert.ok(!never.includes(c), c);
    for (const c of LINEAGE_COLUMNS) assert.ok(!never.includes(c), `${c} is filled by the pipeline`);
    // The carrier layout maps its allowed amounts from the line slots.
    assert.ok(!neverCarriedColumns(layoutOf('carrier'), MEDICAL).includes('allowed_amount'));
  });

  it('takes only the declared ones for a layout matched by name (the standard, Tuva and converted layouts)', () => {
    for (const profile of BUILTIN_PROFILES)
      for (const layout of profile.layouts.filter((l) => l.match_by_name))
        assert.deepEqual(
          neverCarriedColumns(layout, tableOfLayout(layout).columns),
          layout.never_carries ?? [],
          `${profile.name}/${layout.id}`,
        );
    const declaring = BUILTIN_PROFILES.filter((p) => p.layouts.some((l) => l.never_carries?.length));
    assert.deepEqual(
      declaring.map((p) => p.name),
      ['x12-837'],
    );
  });

  it("takes them from the table the layout fills: a mapped pharmacy layout lacks pharmacy_claim's columns it leaves out, and no medical one", () => {
    const fills: SourceLayout = {
      id: 'fills',
      role: 'pharmacy',
      table: 'pharmacy_claim',
      description: 'a mapped pharmacy layout',
      detect: { headers: ['rx_id'] },
      columns: { claim_id: 'rx_id', claim_line_number: 'line', person_id: 'member', dispensing_date: 'filled_on' },
    };
    const never = neverCarriedColumns(fills, PHARMACY_CLAIM_TABLE.columns);
    for (const c of ['ndc_code', 'days_supply', 'quantity', 'paid_date', 'prescribing_provider_npi'])
      assert.ok(never.includes(c), c);
    for (const c of ['claim_id', 'dispensing_date', 'bill_type_code', 'claim_start_date', ...LINEAGE_COLUMNS])
      assert.ok(!never.includes(c), c);
  });
});
