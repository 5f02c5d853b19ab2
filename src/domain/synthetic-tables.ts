import { PHARMACY_CLAIM_COLUMNS } from './tables/pharmacy-claim-model.ts';

/**
 * Small generated pharmacy_claim and eligibility files in the Tuva layout: clean rows, then one
 * row per rule of the table's own catalog that breaks that rule and nothing else. `defects` maps
 * each planted row's 1-based data row number to the rule it breaks.
 */
export interface PlantedFile {
  readonly csv: string;
  readonly rows: number;
  readonly defects: ReadonlyMap<number, string>;
}

/** An NPI with a valid check digit (CMS's example). */
const VALID_NPI = '1234567893';

type Row = Readonly<Record<string, string>>;

function toCsv(columns: readonly string[], rows: readonly Row[]): string {
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => r[c] ?? '').join(','))].join('\n')}\n`;
}

function planted(
  columns: readonly string[],
  clean: readonly Row[],
  defects: ReadonlyArray<[string, Row]>,
): PlantedFile {
  const rows = [...clean, ...defects.map(([, row]) => row)];
  return {
    csv: toCsv(columns, rows),
    rows: rows.length,
    defects: new Map(defects.map(([rule], i) => [clean.length + i + 1, rule])),
  };
}

const pharmacyLine = (n: number, overrides: Row = {}): Row => ({
  claim_id: `RX${String(n).padStart(4, '0')}`,
  claim_line_number: '1',
  person_id: `P${n % 3}`,
  member_id: `M${n % 3}`,
  payer: 'acme health',
  plan: 'gold',
  prescribing_provider_npi: VALID_NPI,
  dispensing_provider_npi: VALID_NPI,
  dispensing_date: '2024-03-05',
  ndc_code: '00002323230',
  quantity: '30',
  days_supply: '30',
  refills: '0',
  paid_date: '2024-03-06',
  paid_amount: '12.50',
  allowed_amount: '15.00',
  charge_amount: '20.00',
  data_source: 'generated',
  ...overrides,
});

/** The NDC shapes a clean line may take, and the 11 digits each becomes. */
export const NDC_FORMS: ReadonlyArray<readonly [string, string]> = [
  ['00002323230', '00002323230'],
  ['1234-5678-90', '01234567890'],
  ['12345-678-90', '12345067890'],
  ['12345-6789-0', '12345678900'],
  ['12345-6789-01', '12345678901'],
];

export function generatePharmacyFile(): PlantedFile {
  const clean = NDC_FORMS.map(([ndc], i) => pharmacyLine(i + 1, { ndc_code: ndc }));
  const at = clean.length;
  return planted(
    PHARMACY_CLAIM_COLUMNS.map((c) => c.name),
    clean,
    [
      ['invalid_ndc', pharmacyLine(at + 1, { ndc_code: '1234-567-89' })],
      ['invalid_days_supply', pharmacyLine(at + 2, { days_supply: '0' })],
      ['invalid_quantity', pharmacyLine(at + 3, { quantity: '-5' })],
      ['dispensed_after_paid', pharmacyLine(at + 4, { dispensing_date: '2024-03-10', paid_date: '2024-03-01' })],
      ['invalid_prescriber_npi', pharmacyLine(at + 5, { prescribing_provider_npi: '1234567890' })],
      ['invalid_dispensing_npi', pharmacyLine(at + 6, { dispensing_provider_npi: '123456789' })],
    ],
  );
}

const ELIGIBILITY_HEADER = [
  'person_id',
  'member_id',
  'gender',
  'birth_date',
  'enrollment_start_date',
  'enrollment_end_date',
  'payer',
  'plan',
  'data_source',
];

const span = (person: string, start: string, end: string, overrides: Row = {}): Row => ({
  person_id: person,
  member_id: person,
  gender: 'female',
  birth_date: '1960-04-02',
  enrollment_start_date: start,
  enrollment_end_date: end,
  payer: 'acme health',
  plan: 'gold',
  data_source: 'generated',
  ...overrides,
});

/**
 * Clean spans: a member with two back-to-back spans (no gap) and an exact copy of the first (dedupe's,
 * not an overlap), and a member with one span under two payers at once (overlap is per payer).
 */
export function generateEligibilityFile(): PlantedFile {
  const clean = [
    span('C1', '2024-01-01', '2024-06-30'),
    span('C1', '2024-01-01', '2024-06-30'),
    span('C1', '2024-07-01', '2024-12-31'),
    span('C2', '2024-01-01', '2024-12-31'),
    span('C2', '2024-01-01', '2024-12-31', { payer: 'other payer' }),
    span('O1', '2024-01-01', '2024-06-30'),
    span('G1', '2024-01-01', '2024-03-31'),
  ];
  return planted(ELIGIBILITY_HEADER, clean, [
    ['enrollment_start_after_end', span('E1', '2024-06-01', '2024-01-31')],
    ['overlapping_enrollment', span('O1', '2024-06-01', '2024-12-31')],
    ['enrollment_gap', span('G1', '2024-06-01', '2024-12-31')],
    ['missing_demographics', span('D1', '2024-01-01', '2024-12-31', { birth_date: '' })],
  ]);
}
