import type { SqlDialect } from '../sql-dialect.ts';
import { decimalOf, integerOf, presentTextOf } from '../value-notation.ts';
import type { PrepareStep, SourceLayout, SourceProfile } from './source-profile.ts';
import { PAYER_TRANSITIONS } from './synthea-enrollment.ts';

/**
 * What the payer paid and the member's copay for each charge. A transaction belongs to the
 * latest CHARGE before it in its claim (CHARGEID orders a claim's transactions); payments other
 * than COPAY are the payer's until the balance is transferred to the patient (TRANSFERIN type p).
 * Each charge also gets its position among the claim's charges, its line number.
 */
const CHARGE_PAYMENTS: PrepareStep = {
  columns: ['_payer_paid', '_copay', '_charge_line'],
  sql: (rows: string, sql: SqlDialect, column: (name: string) => string): string => {
    const q = sql.quoteIdent;
    const text = (expr: string): string => `CAST(${expr} AS ${sql.textType})`;
    const amount = (name: string): string =>
      decimalOf(sql, presentTextOf(sql, column(name)), { precision: 12, scale: 2, currency: true });
    const claim = column('CLAIMID');
    const running = `ORDER BY _sy_seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW`;
    const sequenced = `SELECT *, TRIM(${column('TYPE')}) AS _sy_type, ${integerOf(sql, presentTextOf(sql, column('CHARGEID')))} AS _sy_seq FROM ${rows} AS r`;
    const byCharge = `SELECT *, MAX(CASE WHEN _sy_type = 'CHARGE' THEN _sy_seq END) OVER (PARTITION BY ${claim} ${running}) AS _sy_charge
  FROM (${sequenced}) AS sequenced`;
    const transferred = `SELECT *, MAX(CASE WHEN _sy_type = 'TRANSFERIN' AND TRIM(${column('TRANSFERTYPE')}) = 'p' THEN 1 ELSE 0 END)
    OVER (PARTITION BY ${claim}, _sy_charge ${running}) AS _sy_to_patient
  FROM (${byCharge}) AS by_charge`;
    const payments = `SELECT ${claim} AS _sy_claim, _sy_charge,
    COALESCE(SUM(CASE WHEN _sy_type = 'PAYMENT' AND TRIM(${column('METHOD')}) <> 'COPAY' AND _sy_to_patient = 0 THEN ${amount('PAYMENTS')} END), 0) AS _sy_paid,
    SUM(CASE WHEN _sy_type = 'PAYMENT' AND TRIM(${column('METHOD')}) = 'COPAY' THEN ${amount('PAYMENTS')} END) AS _sy_copay
  FROM (${transferred}) AS transferred GROUP BY ${claim}, _sy_charge`;
    return `(SELECT t.*, ${text('p._sy_paid')} AS ${q('_payer_paid')}, ${text('p._sy_copay')} AS ${q('_copay')},
  ${text(`ROW_NUMBER() OVER (PARTITION BY t.${claim}, t._sy_type ORDER BY t._sy_seq)`)} AS ${q('_charge_line')}
FROM (${byCharge}) AS t
LEFT JOIN (${payments}) AS p ON p._sy_claim = t.${claim} AND p._sy_charge = t._sy_seq)`;
  },
};

const reference = (id: string, description: string, headers: readonly string[]): SourceLayout => ({
  id,
  role: 'reference',
  description,
  detect: { headers },
});

/** Synthea's CSV export: claim lines from the charges of claims_transactions.csv. */
export const SYNTHEA_PROFILE: SourceProfile = {
  name: 'synthea',
  description:
    'Synthea CSV export: claims_transactions.csv with claims.csv, patients.csv and payers.csv beside it; payer_transitions.csv as eligibility.',
  kind: 'tabular',
  // Synthea codes diagnoses in SNOMED CT: ICD-10-CM checks do not apply.
  rules: { invalid_icd10cm_format: { enabled: false }, unknown_icd10cm_code: { enabled: false } },
  layouts: [
    {
      id: 'claims_transactions',
      role: 'claims',
      description: 'One line per CHARGE transaction; claim header from claims.csv, demographics from patients.csv.',
      detect: { headers: ['ID', 'CLAIMID', 'CHARGEID', 'PATIENTID', 'TYPE', 'AMOUNT', 'PROCEDURECODE', 'PAYMENTS'] },
      prepare: CHARGE_PAYMENTS,
      where: { column: 'TYPE', in: ['CHARGE'] },
      companions: [
        { name: 'claims', files: ['claims.csv', 'claims.csv.gz'], key: 'Id', on: 'CLAIMID', required: true },
        { name: 'patients', files: ['patients.csv', 'patients.csv.gz'], key: 'Id', on: 'PATIENTID' },
        { name: 'payers', files: ['payers.csv', 'payers.csv.gz'], key: 'Id', on: 'claims.PRIMARYPATIENTINSURANCEID' },
      ],
      code_systems: { diagnosis: 'snomed-ct' },
      columns: {
        claim_id: 'CLAIMID',
        claim_line_number: '_charge_line',
        claim_type: { column: 'claims.HEALTHCARECLAIMTYPEID1', values: { '1': 'professional', '2': 'institutional' } },
        person_id: 'PATIENTID',
        payer: 'payers.NAME',
        claim_start_date: { column: 'claims.SERVICEDATE', date_format: 'timestamp' },
        claim_end_date: { column: 'claims.SERVICEDATE', date_format: 'timestamp' },
        claim_line_start_date: { column: 'FROMDATE', date_format: 'timestamp' },
        // Synthea writes this sentinel when a transaction has no end (immunizations, medications).
        claim_line_end_date: { column: 'TODATE', date_format: 'timestamp', values: { '1970-01-01T00:00:00Z': null } },
        service_unit_quantity: 'UNITS',
        charge_amount: 'AMOUNT',
        paid_amount: '_payer_paid',
        copayment_amount: '_copay',
        ...Object.fromEntries(
          Array.from({ length: 8 }, (_, i) => [`diagnosis_code_${i + 1}`, `claims.DIAGNOSIS${i + 1}`]),
        ),
        birth_date: 'patients.BIRTHDATE',
        gender: { column: 'patients.GENDER', values: { M: 'male', F: 'female' } },
      },
    },
    {
      id: 'patients',
      role: 'members',
      description: 'Patients: checked with the member rules; feeds claims_transactions.csv.',
      detect: { headers: ['Id', 'BIRTHDATE', 'DEATHDATE', 'GENDER', 'HEALTHCARE_EXPENSES'] },
      columns: {
        person_id: 'Id',
        birth_date: 'BIRTHDATE',
        gender: { column: 'GENDER', values: { M: 'male', F: 'female' } },
      },
    },
    reference('claims', 'Claim headers: read with claims_transactions.csv, which carries the lines.', [
      'Id',
      'PATIENTID',
      'PROVIDERID',
      'PRIMARYPATIENTINSURANCEID',
      'DIAGNOSIS1',
      'SERVICEDATE',
      'HEALTHCARECLAIMTYPEID1',
    ]),
    reference('payers', 'Payers: names for claims_transactions.csv.', [
      'Id',
      'NAME',
      'OWNERSHIP',
      'AMOUNT_COVERED',
      'AMOUNT_UNCOVERED',
    ]),
    reference('providers', 'Clinicians (no NPI in the export).', [
      'Id',
      'ORGANIZATION',
      'NAME',
      'SPECIALITY',
      'ENCOUNTERS',
    ]),
    reference('organizations', 'Provider organizations.', ['Id', 'NAME', 'PHONE', 'REVENUE', 'UTILIZATION']),
    PAYER_TRANSITIONS,
  ],
};
