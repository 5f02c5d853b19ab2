import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_PROFILES } from './builtin-profiles.ts';
import { profileFileSchema, toSourceProfile } from './profile-schema.ts';

const LAYOUT = {
  id: 'lines',
  role: 'claims',
  detect: { headers: ['CLAIM_NO', 'LINE_NO'] },
  columns: {
    claim_id: 'CLAIM_NO',
    claim_line_number: 'LINE_NO',
    claim_type: { value: 'professional' },
    claim_start_date: { column: 'FROM_DT', date_format: 'DD/MM/YYYY' },
    gender: { column: 'members.SEX', values: { '1': 'male', '2': 'female', '9': null } },
  },
  companions: [{ name: 'members', files: ['members_*.csv'], key: 'MEMBER', on: 'MEMBER_NO' }],
};

const issuesOf = (raw: unknown): string[] => {
  const result = profileFileSchema.safeParse(raw);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('custom profile schema', () => {
  it('accepts a declarative profile and makes it a tabular source profile', () => {
    const profile = toSourceProfile(profileFileSchema.parse({ name: 'acme-feed', layouts: [LAYOUT] }));
    assert.equal(profile.kind, 'tabular');
    assert.equal(profile.layouts[0]?.description, '');
    assert.deepEqual(profile.layouts[0]?.columns?.claim_type, { value: 'professional' });
  });

  it('rejects bad names, column sources, templates and unknown keys', () => {
    assert.deepEqual(
      issuesOf({
        name: 'Bad Name',
        layouts: [
          {
            ...LAYOUT,
            columns: { ...LAYOUT.columns, claim_end_date: { column: 'TO', date_format: 'YY' } },
            unpivot: { slots: 13, filled: 'npi', columns: { hcpcs_code: 'HCPCS' } },
            rules: { invalid_npi: { action: 'warn' } },
          },
        ],
      }),
      [
        'name: lower-case letters, digits, - and _',
        'layouts.0.columns.claim_end_date: a column name, { value }, or { column, values?, date_format? (DD/MM/YYYY, DD.MM.YYYY, YYYY/MM/DD, MMDDYYYY, DDMMYYYY, timestamp), number_format? (decimal_point, decimal_comma), first_line_only? }',
        'layouts.0.unpivot.columns.hcpcs_code: a template needs {n}',
        'layouts.0.unpivot.filled: filled must be one of the unpivot columns',
        'layouts.0: Unrecognized key: "rules"',
      ],
    );
  });

  it('checks canonical targets and companion order once the layout is otherwise valid', () => {
    assert.deepEqual(
      issuesOf({
        name: 'x',
        layouts: [
          {
            ...LAYOUT,
            columns: { ...LAYOUT.columns, claim_number: 'X' },
            companions: [
              { name: 'a', files: ['a.csv'], key: 'K', on: 'b.K' },
              { name: 'b', files: ['b.csv'], key: 'K', on: 'K' },
              { name: 'b', files: ['c.csv'], key: 'K', on: 'K' },
            ],
          },
        ],
      }),
      [
        'layouts.0.columns.claim_number: not a canonical column of medical_claim (see canonical-model.md)',
        'layouts.0.companions.0.on: b is not joined before a',
        'layouts.0.companions.2.name: companion b is declared twice',
      ],
    );
  });

  it('takes a number_format on amount and quantity columns only, and not on a column a merge sums', () => {
    assert.deepEqual(
      issuesOf({
        name: 'x',
        layouts: [
          {
            ...LAYOUT,
            columns: {
              ...LAYOUT.columns,
              claim_line_number: { column: 'LINE_NO', number_format: 'decimal_comma' },
              paid_amount: { column: 'PAID', number_format: 'decimal_comma' },
              service_unit_quantity: { column: 'UNITS', number_format: 'decimal_comma' },
              charge_amount: { column: 'Charge', number_format: 'decimal_comma' },
            },
            merge: { key: 'CLAIM_NO', segment: 'SEG', sum: ['CHARGE'] },
          },
        ],
      }),
      [
        'layouts.0.columns.claim_line_number.number_format: only for amount and quantity columns',
        'layouts.0.columns.charge_amount.number_format: Charge is summed by merge, which reads decimal point amounts',
      ],
    );
  });

  it('takes never_carries as canonical columns the layout does not map', () => {
    const parsed = profileFileSchema.parse({
      name: 'x',
      layouts: [{ ...LAYOUT, match_by_name: true, never_carries: ['bill_type_code', 'paid_date'] }],
    });
    assert.deepEqual(parsed.layouts[0]?.never_carries, ['bill_type_code', 'paid_date']);
    assert.deepEqual(
      issuesOf({ name: 'x', layouts: [{ ...LAYOUT, never_carries: ['bill_type_code', 'bill_type', 'claim_type'] }] }),
      [
        'layouts.0.never_carries.1: bill_type: not a canonical column of medical_claim (see canonical-model.md)',
        'layouts.0.never_carries.2: claim_type: the layout maps it',
      ],
    );
  });

  it("checks a layout's columns and never_carries against the table it names, and knows only the published tables", () => {
    const fills = {
      id: 'fills',
      role: 'pharmacy',
      detect: { headers: ['RX'] },
      columns: { claim_id: 'RX', ndc_code: 'NDC', quantity: { column: 'QTY', number_format: 'decimal_comma' } },
      never_carries: ['days_supply'],
    };
    assert.deepEqual(issuesOf({ name: 'rx', layouts: [{ ...fills, table: 'pharmacy_claim' }] }), []);
    const parsed = profileFileSchema.parse({ name: 'rx', layouts: [{ ...fills, table: 'pharmacy_claim' }] });
    assert.equal(toSourceProfile(parsed).layouts[0]?.table, 'pharmacy_claim');
    assert.deepEqual(
      issuesOf({
        name: 'rx',
        layouts: [{ ...fills, table: 'pharmacy_claim', columns: { ...fills.columns, claim_type: 'TYPE' } }],
      }),
      ['layouts.0.columns.claim_type: not a canonical column of pharmacy_claim (see canonical-model.md)'],
    );
    assert.deepEqual(issuesOf({ name: 'rx', layouts: [fills] }), [
      'layouts.0.columns.ndc_code: not a canonical column of medical_claim (see canonical-model.md)',
      'layouts.0.columns.quantity: not a canonical column of medical_claim (see canonical-model.md)',
      'layouts.0.columns.quantity.number_format: only for amount and quantity columns',
      'layouts.0.never_carries.0: days_supply: not a canonical column of medical_claim (see canonical-model.md)',
    ]);
    for (const table of ['eligibility', 'provider'])
      assert.deepEqual(issuesOf({ name: 'x', layouts: [{ ...LAYOUT, columns: {}, table }] }), [], table);
    assert.deepEqual(
      issuesOf({ name: 'rx', layouts: [{ ...fills, table: 'pharmacy' }] }).map((i) => i.split(':')[0]),
      ['layouts.0.table'],
    );
  });

  it('describes every tabular built-in with the same declarative fields (prepare steps and rules aside)', () => {
    for (const profile of BUILTIN_PROFILES.filter((p) => p.kind === 'tabular')) {
      const { kind: _kind, rules: _rules, ...file } = profile;
      const layouts = file.layouts.map(({ prepare: _prepare, ...layout }) => layout);
      assert.deepEqual(issuesOf({ ...file, layouts }), [], profile.name);
    }
  });
});
