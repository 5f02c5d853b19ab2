/**
 * Deterministic synthetic claim lines with realistic codes and planted defects.
 * Pure: the caller writes the rows. Every planted defect records the rule expected to catch it.
 */

export const GENERATED_COLUMNS = [
  'claim_id',
  'claim_line_number',
  'claim_type',
  'person_id',
  'member_id',
  'payer',
  'plan',
  'claim_start_date',
  'claim_end_date',
  'claim_line_start_date',
  'claim_line_end_date',
  'admission_date',
  'discharge_date',
  'admit_type_code',
  'discharge_disposition_code',
  'place_of_service_code',
  'bill_type_code',
  'drg_code_type',
  'drg_code',
  'revenue_center_code',
  'service_unit_quantity',
  'hcpcs_code',
  'hcpcs_modifier_1',
  'rendering_npi',
  'billing_npi',
  'facility_npi',
  'paid_date',
  'paid_amount',
  'allowed_amount',
  'charge_amount',
  'coinsurance_amount',
  'copayment_amount',
  'deductible_amount',
  'diagnosis_code_type',
  'diagnosis_code_1',
  'diagnosis_code_2',
  'diagnosis_code_3',
  'diagnosis_code_4',
  'birth_date',
  'gender',
] as const;

export type GeneratedColumn = (typeof GENERATED_COLUMNS)[number];
export type ClaimRow = Record<GeneratedColumn, string>;

/** Billable ICD-10-CM FY2022 codes (checked against the order file in tests). */
export const ICD10_CODES = [
  'E119',
  'I10',
  'E785',
  'J069',
  'M5450',
  'Z0000',
  'K219',
  'F329',
  'J449',
  'N390',
  'R079',
  'R1010',
  'M170',
  'E039',
  'G4733',
  'J45909',
  'I509',
  'I4891',
  'N1830',
  'E6601',
  'F419',
  'M25561',
  'R051',
  'Z23',
  'Z1231',
  'K5900',
  'L03115',
  'S8391XA',
  'J189',
  'A419',
  'I214',
  'N179',
  'I639',
  'K8000',
  'Z3800',
  'R0602',
  'E1165',
  'Z79899',
];
export const CPT_CODES = [
  '99213',
  '99214',
  '99215',
  '99203',
  '99204',
  '36415',
  '85025',
  '80053',
  '80061',
  '83036',
  '93000',
  '71046',
  '97110',
  '97140',
  '90834',
  '99285',
  '99284',
  '99283',
  '99232',
  '99233',
  '99223',
  '20610',
  '45378',
  '66984',
  '77067',
  '81003',
  '84443',
  '87086',
  '90471',
  '96372',
];
export const HCPCS_LEVEL2_CODES = [
  'G0439',
  'G0438',
  'J3301',
  'A4253',
  'E0114',
  'J1100',
  'G0008',
  'J1885',
  'A0427',
  'G0283',
];
export const PROFESSIONAL_POS = ['11', '11', '11', '22', '21', '23', '81', '12', '02', '20', '31'];
export const INSTITUTIONAL_BILL_TYPES = ['111', '117', '131', '131', '137', '211', '831', '851', '141', '711', '121'];
export const REVENUE_CODES = [
  '0450',
  '0300',
  '0301',
  '0250',
  '0636',
  '0320',
  '0360',
  '0370',
  '0110',
  '0120',
  '0510',
  '0730',
  '0420',
];
export const MS_DRG_CODES = ['871', '291', '470', '392', '690', '194', '603', '683', '190', '065', '177', '280', '378'];
const MODIFIERS = ['25', '59', 'LT', 'RT', '26', 'TC'];
const PAYERS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['aetna', ['aetna choice pos ii', 'aetna open access']],
  ['bcbs', ['blue advantage hmo', 'blue preferred ppo']],
  ['cigna', ['cigna open access plus']],
  ['humana', ['humana gold plus hmo']],
  ['medicare', ['medicare part b', 'medicare part a']],
  ['medicaid', ['medicaid managed care']],
  ['uhc', ['choice plus', 'navigate hmo']],
];
const COPAYS = [0, 0, 1000, 2000, 3000, 4000];

export type DefectKind =
  | 'required_field_missing'
  | 'invalid_date_format'
  | 'date_out_of_range'
  | 'claim_start_after_end'
  | 'claim_line_start_after_end'
  | 'invalid_amount'
  | 'invalid_claim_type'
  | 'invalid_claim_line_number'
  | 'negative_amount'
  | 'exact_duplicate'
  | 'conflicting_duplicate';

/** Defect kinds and what the pipeline must do with the row. */
export const DEFECTS: Readonly<
  Record<DefectKind, { readonly rule: string; readonly outcome: 'quarantine' | 'warn' | 'duplicate' }>
> = {
  required_field_missing: { rule: 'required_field_missing', outcome: 'quarantine' },
  invalid_date_format: { rule: 'invalid_date_format', outcome: 'quarantine' },
  date_out_of_range: { rule: 'date_out_of_range', outcome: 'quarantine' },
  claim_start_after_end: { rule: 'claim_start_after_end', outcome: 'quarantine' },
  claim_line_start_after_end: { rule: 'claim_line_start_after_end', outcome: 'quarantine' },
  invalid_amount: { rule: 'invalid_amount', outcome: 'quarantine' },
  invalid_claim_type: { rule: 'invalid_claim_type', outcome: 'quarantine' },
  invalid_claim_line_number: { rule: 'invalid_claim_line_number', outcome: 'quarantine' },
  negative_amount: { rule: 'negative_amount', outcome: 'warn' },
  exact_duplicate: { rule: 'exact_duplicate', outcome: 'duplicate' },
  conflicting_duplicate: { rule: 'conflicting_duplicate_key', outcome: 'duplicate' },
};
const DEFECT_KINDS = Object.keys(DEFECTS) as DefectKind[];

export interface PlantedDefect {
  /** 1-based data row number of the defective (or duplicate) row. */
  readonly row: number;
  readonly kind: DefectKind;
  readonly rule: string;
  readonly outcome: 'quarantine' | 'warn' | 'duplicate';
}

export interface GeneratorOptions {
  readonly seed: number;
  readonly defectRate: number;
  /** `YYYY-MM`: every claim starts in this month, or (with `spread`) this is the latest month claims start in. */
  readonly month: string;
  /** How claims' start months spread back from `month` (default: all in `month`). */
  readonly spread?: MonthSpread;
}

/**
 * The service months of a file's claims, ending with the generator's month: all in that month;
 * `lag`, a monthly feed with claims lag (most claims in the latest three months, a tail over
 * eighteen); or evenly over the last `months` months (a backfill: 60).
 */
export type MonthSpread =
  | { readonly kind: 'one-month' }
  | { readonly kind: 'lag' }
  | { readonly kind: 'even'; readonly months: number };

/** Months back from the latest, weighted for claims lag: 45%, 25%, 12%, then 18% evenly over months 3-17. */
const LAG_WEIGHTS = [0.45, 0.25, 0.12, ...Array.from({ length: 15 }, () => 0.18 / 15)];

/** A month offset back from the latest for a uniform draw `u` in [0, 1). */
export function monthsBack(spread: MonthSpread, u: number): number {
  if (spread.kind === 'one-month') return 0;
  if (spread.kind === 'even') return Math.min(spread.months - 1, Math.floor(u * spread.months));
  let cumulative = 0;
  for (const [back, weight] of LAG_WEIGHTS.entries()) {
    cumulative += weight;
    if (u < cumulative) return back;
  }
  return LAG_WEIGHTS.length - 1;
}

/** mulberry32: small, fast, and the same sequence on every platform. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 10-digit NPI whose last digit is the Luhn check over the 80840 prefix. */
export function npiWithCheckDigit(first9: string): string {
  const digits = `80840${first9}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return `${first9}${(10 - (sum % 10)) % 10}`;
}

const DAY_MS = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const cents = (value: number): string => (value / 100).toFixed(2);

/** Same calendar date in another real-world format, so normalisation is exercised on clean rows. */
function reformatDate(isoDate: string, style: number): string {
  const [y, m, d] = isoDate.split('-');
  if (style === 1) return `${y}${m}${d}`;
  if (style === 2) return `${m}/${d}/${y}`;
  return isoDate;
}

export class ClaimGenerator {
  private readonly random: () => number;
  /** Per month back from the latest: its first day (ms) and its length in days. */
  private readonly months: ReadonlyArray<{ readonly start: number; readonly days: number }>;
  private readonly spread: MonthSpread;
  private readonly providers: string[];
  private readonly facilities: string[];
  private claimSeq = 0;
  private pending: ClaimRow[] = [];
  private lastClean: ClaimRow | null = null;
  private rowNumber = 0;

  constructor(private readonly options: GeneratorOptions) {
    this.random = createRandom(options.seed);
    const [year, month] = options.month.split('-').map(Number) as [number, number];
    this.spread = options.spread ?? { kind: 'one-month' };
    const count = this.spread.kind === 'even' ? this.spread.months : LAG_WEIGHTS.length;
    this.months = Array.from({ length: count }, (_, back) => ({
      start: Date.UTC(year, month - 1 - back, 1),
      days: new Date(Date.UTC(year, month - back, 0)).getUTCDate(),
    }));
    this.providers = Array.from({ length: 400 }, () => this.npi());
    this.facilities = Array.from({ length: 40 }, () => this.npi());
  }

  /** The next row, and the defect planted in it if any. */
  next(): { row: ClaimRow; defect: PlantedDefect | null } {
    this.rowNumber++;
    if (this.random() < this.options.defectRate) {
      const kind = this.pick(DEFECT_KINDS);
      const planted = this.plant(kind);
      if (planted) return { row: planted, defect: { row: this.rowNumber, kind, ...DEFECTS[kind] } };
    }
    const row = this.cleanRow();
    this.lastClean = row;
    return { row, defect: null };
  }

  private plant(kind: DefectKind): ClaimRow | null {
    if (kind === 'exact_duplicate' || kind === 'conflicting_duplicate') {
      const original = this.lastClean;
      if (!original) return null;
      this.lastClean = null; // each original is duplicated at most once, so expectations stay exact
      if (kind === 'exact_duplicate') return { ...original };
      const paid = Date.parse(`${toIso(original.paid_date)}T00:00:00Z`);
      return { ...original, paid_date: iso(paid + 7 * DAY_MS) };
    }
    const row = this.cleanRow();
    switch (kind) {
      case 'required_field_missing':
        row[this.pick(['claim_id', 'claim_type', 'person_id', 'claim_start_date', 'claim_end_date'] as const)] = '';
        break;
      case 'invalid_date_format':
        row.claim_line_start_date = this.pick(['2025-13-45', '2025-02-30', '31/31/2025', '2025/02/30']);
        break;
      case 'date_out_of_range':
        if (this.random() < 0.5) row.paid_date = '2099-01-15';
        else row.birth_date = '1875-03-02';
        break;
      case 'claim_start_after_end':
        row.claim_start_date = iso(Date.parse(`${toIso(row.claim_end_date)}T00:00:00Z`) + 3 * DAY_MS);
        row.claim_line_start_date = row.claim_start_date;
        row.claim_line_end_date = row.claim_start_date;
        row.admission_date = row.admission_date ? row.claim_start_date : '';
        row.discharge_date = row.admission_date;
        break;
      case 'claim_line_start_after_end':
        row.claim_line_end_date = iso(Date.parse(`${toIso(row.claim_line_start_date)}T00:00:00Z`) - 2 * DAY_MS);
        break;
      case 'invalid_amount':
        row.paid_amount = this.pick(['12.3.4', 'abc', '1,2,3x']);
        break;
      case 'invalid_claim_type':
        row.claim_type = this.pick(['medical', 'pharmacy', 'prof']);
        break;
      case 'invalid_claim_line_number':
        row.claim_line_number = this.pick(['0', 'x1', '-2']);
        break;
      case 'negative_amount':
        for (const c of [
          'paid_amount',
          'allowed_amount',
          'charge_amount',
          'coinsurance_amount',
          'copayment_amount',
          'deductible_amount',
        ] as const) {
          if (row[c] && row[c] !== '0.00') row[c] = `-${row[c]}`;
        }
        break;
    }
    return row;
  }

  private cleanRow(): ClaimRow {
    if (this.pending.length === 0) this.pending = this.claim();
    return this.pending.shift() as ClaimRow;
  }

  /** One claim's lines, professional or institutional, consistent across lines. */
  private claim(): ClaimRow[] {
    this.claimSeq++;
    const institutional = this.random() < 0.25;
    const [payer, plans] = this.pick(PAYERS);
    const personNumber = String(1 + Math.floor(this.random() * 90000)).padStart(7, '0');
    const birth = Date.UTC(1935, 0, 1) + Math.floor(this.random() * 85 * 365) * DAY_MS;
    // One month draws nothing more, so a seed gives the same file as before spreads existed.
    const serviceMonth = this.months[this.spread.kind === 'one-month' ? 0 : monthsBack(this.spread, this.random())];
    if (!serviceMonth) throw new RangeError('no service month to draw from');
    const start = serviceMonth.start + Math.floor(this.random() * serviceMonth.days) * DAY_MS;
    const billType = institutional ? this.pick(INSTITUTIONAL_BILL_TYPES) : '';
    const inpatient = billType.startsWith('11') || billType.startsWith('21');
    const end = start + (inpatient ? 1 + Math.floor(this.random() * 9) : 0) * DAY_MS;
    const paid = end + (14 + Math.floor(this.random() * 30)) * DAY_MS;
    const diagnoses = Array.from({ length: 1 + Math.floor(this.random() * 4) }, () => this.pick(ICD10_CODES));
    const lineCount = 1 + Math.floor(this.random() * (institutional ? 5 : 3));
    const dateStyle = this.random() < 0.05 ? 1 + Math.floor(this.random() * 2) : 0;
    const fmt = (ms: number): string => reformatDate(iso(ms), dateStyle);
    const rendering = this.pick(this.providers);
    const facility = this.pick(this.facilities);
    const base = {
      claim_id: `C${String(this.options.seed).padStart(3, '0')}${String(this.claimSeq).padStart(10, '0')}`,
      claim_type: institutional ? 'institutional' : 'professional',
      person_id: `P${personNumber}`,
      member_id: `M${personNumber}`,
      payer,
      plan: this.pick(plans),
      claim_start_date: fmt(start),
      claim_end_date: fmt(end),
      admission_date: inpatient ? fmt(start) : '',
      discharge_date: inpatient ? fmt(end) : '',
      admit_type_code: inpatient ? this.pick(['1', '2', '3']) : '',
      discharge_disposition_code: inpatient ? this.pick(['01', '01', '03', '06']) : '',
      place_of_service_code: institutional ? '' : this.pick(PROFESSIONAL_POS),
      bill_type_code: billType,
      drg_code_type: inpatient ? 'ms-drg' : '',
      drg_code: inpatient ? this.pick(MS_DRG_CODES) : '',
      rendering_npi: institutional ? '' : rendering,
      billing_npi: institutional ? facility : rendering,
      facility_npi: institutional ? facility : '',
      paid_date: fmt(paid),
      diagnosis_code_type: 'icd-10-cm',
      diagnosis_code_1: diagnoses[0] ?? '',
      diagnosis_code_2: diagnoses[1] ?? '',
      diagnosis_code_3: diagnoses[2] ?? '',
      diagnosis_code_4: diagnoses[3] ?? '',
      birth_date: fmt(birth),
      gender: this.random() < 0.52 ? 'female' : 'male',
    };
    // Object.assign, not spread: spreading ~30 keys and adding more costs V8 7x here (20 µs a line).
    return Array.from({ length: lineCount }, (_, i) =>
      Object.assign(
        {},
        base,
        {
          claim_line_number: String(i + 1),
          claim_line_start_date: fmt(start),
          claim_line_end_date: fmt(end),
          revenue_center_code: institutional ? this.pick(REVENUE_CODES) : '',
          service_unit_quantity: String(1 + Math.floor(this.random() * (this.random() < 0.8 ? 1 : 4))),
          hcpcs_code: this.random() < 0.9 ? this.pick(CPT_CODES) : this.pick(HCPCS_LEVEL2_CODES),
          hcpcs_modifier_1: this.random() < 0.15 ? this.pick(MODIFIERS) : '',
        },
        this.amounts(inpatient && i === 0),
      ),
    );
  }

  /** Amounts in cents so that paid + copay + coinsurance + deductible = allowed <= charge exactly. */
  private amounts(
    large: boolean,
  ): Pick<
    ClaimRow,
    'paid_amount' | 'allowed_amount' | 'charge_amount' | 'coinsurance_amount' | 'copayment_amount' | 'deductible_amount'
  > {
    const charge = large
      ? 500_000 + Math.floor(this.random() * 5_500_000)
      : 5_000 + Math.floor(this.random() * 495_000);
    const allowed = Math.floor(charge * (0.4 + this.random() * 0.5));
    const deductible = this.random() < 0.2 ? Math.floor(allowed * this.random() * 0.2) : 0;
    const copay = Math.min(this.pick(COPAYS), allowed - deductible);
    const coinsurance = Math.floor((allowed - deductible - copay) * this.pick([0, 0, 0.1, 0.2]));
    const paidCents = allowed - deductible - copay - coinsurance;
    return {
      charge_amount: cents(charge),
      allowed_amount: cents(allowed),
      deductible_amount: cents(deductible),
      copayment_amount: cents(copay),
      coinsurance_amount: cents(coinsurance),
      paid_amount: cents(paidCents),
    };
  }

  private npi(): string {
    return npiWithCheckDigit(`1${String(Math.floor(this.random() * 1e8)).padStart(8, '0')}`);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }
}

/** ISO form of a generated date in any of the styles `reformatDate` writes. */
function toIso(text: string): string {
  if (/^\d{8}$/.test(text)) return `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6)}`;
  const us = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text);
  return us ? `${us[3]}-${us[1]}-${us[2]}` : text;
}
