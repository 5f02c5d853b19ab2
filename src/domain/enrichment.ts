import type { SqlDialect } from './sql-dialect.ts';

/** Derived fields added to every published line. Documented in docs/enrichment.md. */
export interface Enrichment {
  readonly name: string;
  /** SQL type of the result, for documentation and the warehouse schema. */
  readonly type: string;
  /** SQL over typed canonical columns (referenced by name) and earlier enrichments. */
  expression(sql: SqlDialect, ref: (name: string) => string): string;
}

const AGE_BANDS: ReadonlyArray<readonly [number, string]> = [
  [18, '0-17'],
  [35, '18-34'],
  [50, '35-49'],
  [65, '50-64'],
  [75, '65-74'],
];

const COST_TIERS: ReadonlyArray<readonly [number, string]> = [
  [100, 'low'],
  [1000, 'moderate'],
  [10000, 'high'],
];

const INSTITUTIONAL_CATEGORIES: ReadonlyArray<readonly [string, string]> = [
  ['11', 'inpatient'],
  ['12', 'inpatient'],
  ['18', 'swing_bed'],
  ['21', 'skilled_nursing'],
  ['22', 'skilled_nursing'],
  ['32', 'home_health'],
  ['33', 'home_health'],
  ['34', 'home_health'],
  ['81', 'hospice'],
  ['82', 'hospice'],
  ['13', 'outpatient'],
  ['14', 'outpatient'],
  ['71', 'outpatient'],
  ['73', 'outpatient'],
  ['77', 'outpatient'],
  ['85', 'outpatient'],
];

const PROFESSIONAL_CATEGORIES: ReadonlyArray<readonly [string, string]> = [
  ['23', 'emergency'],
  ['21', 'inpatient_professional'],
  ['22', 'outpatient_professional'],
  ['19', 'outpatient_professional'],
  ['24', 'ambulatory_surgery'],
  ['11', 'office_visit'],
  ['20', 'urgent_care'],
  ['02', 'telehealth'],
  ['10', 'telehealth'],
  ['12', 'home_visit'],
  ['81', 'lab'],
  ['31', 'skilled_nursing'],
  ['32', 'skilled_nursing'],
  ['41', 'ambulance'],
  ['42', 'ambulance'],
];

/** Line-level age factor of the risk score. */
const RISK_AGE_FACTORS: ReadonlyArray<readonly [number, number]> = [
  [18, 0.2],
  [45, 0.3],
  [65, 0.6],
  [75, 0.9],
];

const caseOver = (subject: string, pairs: ReadonlyArray<readonly [string, string]>, sql: SqlDialect): string =>
  pairs
    .map(([code, label]) => `WHEN ${subject} = ${sql.stringLiteral(code)} THEN ${sql.stringLiteral(label)}`)
    .join(' ');

export const ENRICHMENTS: readonly Enrichment[] = [
  {
    name: 'age_at_service',
    type: 'INTEGER',
    // A birth date after the service date is a data error, not a negative age.
    expression: (sql, ref) =>
      `CASE WHEN ${ref('birth_date')} <= ${ref('claim_start_date')} THEN CAST(${sql.yearsBetween(ref('birth_date'), ref('claim_start_date'))} AS INTEGER) END`,
  },
  {
    name: 'age_band',
    type: 'VARCHAR',
    expression: (sql, ref) =>
      `CASE WHEN ${ref('age_at_service')} IS NULL THEN NULL ${AGE_BANDS.map(
        ([upper, band]) => `WHEN ${ref('age_at_service')} < ${upper} THEN ${sql.stringLiteral(band)}`,
      ).join(' ')} ELSE '75+' END`,
  },
  {
    name: 'length_of_stay',
    type: 'INTEGER',
    expression: (sql, ref) =>
      `CASE WHEN ${ref('admission_date')} IS NOT NULL AND ${ref('discharge_date')} >= ${ref('admission_date')} THEN CAST(${sql.daysBetween(ref('admission_date'), ref('discharge_date'))} AS INTEGER) END`,
  },
  {
    name: 'service_category',
    type: 'VARCHAR',
    expression: (sql, ref) => {
      const billClass = `SUBSTRING(${sql.trimLeading(ref('bill_type_code'), '0')}, 1, 2)`;
      return `CASE
        WHEN ${ref('claim_type')} = 'institutional' AND SUBSTRING(${ref('revenue_center_code')}, 1, 3) = '045' THEN 'emergency'
        WHEN ${ref('claim_type')} = 'institutional' THEN CASE ${caseOver(billClass, INSTITUTIONAL_CATEGORIES, sql)} ELSE 'other_institutional' END
        WHEN ${ref('claim_type')} = 'professional' THEN CASE ${caseOver(ref('place_of_service_code'), PROFESSIONAL_CATEGORIES, sql)} ELSE 'other_professional' END
        ELSE ${ref('claim_type')} END`;
    },
  },
  {
    name: 'cost_tier',
    type: 'VARCHAR',
    expression: (sql, ref) => {
      const amount = `COALESCE(${ref('allowed_amount')}, ${ref('paid_amount')}, ${ref('charge_amount')})`;
      return `CASE WHEN ${amount} IS NULL THEN 'unknown' ${COST_TIERS.map(
        ([upper, tier]) => `WHEN ${amount} < ${upper} THEN ${sql.stringLiteral(tier)}`,
      ).join(' ')} ELSE 'very_high' END`;
    },
  },
  {
    name: 'risk_score',
    type: 'DECIMAL(6,2)',
    expression: (_sql, ref) => {
      const diagnoses = Array.from(
        { length: 25 },
        (_, i) => `CASE WHEN ${ref(`diagnosis_code_${i + 1}`)} IS NULL THEN 0 ELSE 1 END`,
      ).join(' + ');
      const age = `CASE WHEN ${ref('age_at_service')} IS NULL THEN 0.5 ${RISK_AGE_FACTORS.map(
        ([upper, factor]) => `WHEN ${ref('age_at_service')} < ${upper} THEN ${factor}`,
      ).join(' ')} ELSE 1.2 END`;
      const inpatient = `CASE WHEN ${ref('service_category')} IN ('inpatient', 'emergency') THEN 0.5 ELSE 0 END`;
      return `CAST(0.1 * LEAST(${diagnoses}, 10) + ${age} + ${inpatient} AS DECIMAL(6,2))`;
    },
  },
];
