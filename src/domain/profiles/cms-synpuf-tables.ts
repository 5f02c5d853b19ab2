import type { SqlDialect } from '../sql-dialect.ts';
import { integerOf, presentTextOf } from '../value-notation.ts';
import { LayoutColumnsError } from './layout-columns-error.ts';
import type { ColumnSource, PrepareStep, SourceLayout } from './source-profile.ts';

export const SEX = { column: 'BENE_SEX_IDENT_CD', values: { '1': 'male', '2': 'female' } } satisfies ColumnSource;

/** BENE_RACE_CD as the DE-SynPUF codebook lists it, in the Tuva race terms. */
const RACE: ColumnSource = {
  column: 'BENE_RACE_CD',
  values: {
    '0': 'unknown',
    '1': 'white',
    '2': 'black or african american',
    '3': 'other race',
    '4': 'asian',
    '5': 'hispanic',
    '6': 'american indian or alaska native',
  },
};

/** The months of coverage a beneficiary-year counts: Part A, Part B, HMO and Part D. */
const COVERAGE_MONTHS = [
  'BENE_HI_CVRAGE_TOT_MONS',
  'BENE_SMI_CVRAGE_TOT_MONS',
  'BENE_HMO_CVRAGE_TOT_MONS',
  'PLAN_CVRG_MOS_NUM',
] as const;

/** A four-digit year standing alone in a file name (`DE1_0_2008_Beneficiary_Summary_File_Sample_2.csv`). */
const FILE_NAME_YEAR = /(?<![0-9])((?:19|20)[0-9]{2})(?![0-9])/;

/**
 * One enrollment span per beneficiary-year. The summary counts a year's months of coverage but
 * not which months, so the span runs from 1 January through the end of the Nth month, N the
 * largest of the Part A, Part B, HMO and Part D counts. A year with no month of coverage is no
 * enrollment and gives no span (`_covered` N); a count that is not a whole number from 1 to 12
 * leaves the end empty, for `required_field_missing` to quarantine the row.
 */
const beneficiaryYear = (yearOf: (sql: SqlDialect, column: (name: string) => string, fileName: string) => string) => ({
  columns: ['_enrollment_start', '_enrollment_end', '_covered', '_death_flag'],
  sql: (rows: string, sql: SqlDialect, column: (name: string) => string, fileName: string): string => {
    const q = sql.quoteIdent;
    const year = yearOf(sql, column, fileName);
    const months = `GREATEST(${COVERAGE_MONTHS.map((c) => integerOf(sql, presentTextOf(sql, column(c)))).join(', ')})`;
    const leap = `${integerOf(sql, year)} % 4 = 0`;
    const monthEnds = ['01-31', null, '03-31', '04-30', '05-31', '06-30', '07-31', '08-31', '09-30', '10-31', '11-30'];
    const branches = monthEnds.map((end, i) => {
      const day = end === null ? `CASE WHEN ${leap} THEN '-02-29' ELSE '-02-28' END` : `'-${end}'`;
      return `WHEN ${i + 1} THEN ${year} || ${day}`;
    });
    const death = presentTextOf(sql, column('BENE_DEATH_DT'));
    return `(SELECT r.*, ${year} || '-01-01' AS ${q('_enrollment_start')},
  CASE ${months} ${branches.join(' ')} WHEN 12 THEN ${year} || '-12-31' END AS ${q('_enrollment_end')},
  CASE WHEN ${months} = 0 THEN 'N' ELSE 'Y' END AS ${q('_covered')},
  CASE WHEN ${death} IS NULL THEN '0' ELSE '1' END AS ${q('_death_flag')}
FROM ${rows} AS r)`;
  },
});

/** The year of a CMS-named summary file, from its name; a file without one cannot say its year. */
const YEAR_FROM_FILE_NAME: PrepareStep = beneficiaryYear((sql, _column, fileName) => {
  const year = FILE_NAME_YEAR.exec(fileName)?.[1];
  if (!year) {
    throw new LayoutColumnsError('beneficiary_summary', [
      'the year in the file name (as in DE1_0_2008_Beneficiary_Summary_File_Sample_1.csv)',
    ]);
  }
  return sql.stringLiteral(year);
});

/** OHDSI's stacked copy writes each row's year in a YEAR column. */
const YEAR_COLUMN: PrepareStep = beneficiaryYear((sql, column) => presentTextOf(sql, column('YEAR')));

/** What detects a summary (the coverage and death columns the span reads are then required by its prepare step). */
const BENEFICIARY_HEADERS = ['DESYNPUF_ID', 'BENE_BIRTH_DT', 'BENE_SEX_IDENT_CD'];

const beneficiaryLayout = (id: string, description: string, headers: readonly string[], prepare: PrepareStep) =>
  ({
    id,
    role: 'members',
    table: 'eligibility',
    description,
    detect: { headers },
    prepare,
    where: { column: '_covered', in: ['Y'] },
    columns: {
      person_id: 'DESYNPUF_ID',
      member_id: 'DESYNPUF_ID',
      gender: SEX,
      race: RACE,
      birth_date: 'BENE_BIRTH_DT',
      death_date: 'BENE_DEATH_DT',
      death_flag: '_death_flag',
      enrollment_start_date: '_enrollment_start',
      enrollment_end_date: '_enrollment_end',
      payer: { value: 'medicare' },
      payer_type: { value: 'medicare' },
      plan: { value: 'medicare' },
    },
  }) satisfies SourceLayout;

/**
 * The beneficiary summary as eligibility: one span per beneficiary-year (see `beneficiaryYear`).
 * The same files stay the companions of the claim files.
 */
export const BENEFICIARY_LAYOUTS: readonly SourceLayout[] = [
  beneficiaryLayout(
    'beneficiary_summary',
    'Beneficiary summary, one file per year (the year from its name): one eligibility span per beneficiary-year with coverage; also the claim files’ companion.',
    BENEFICIARY_HEADERS,
    YEAR_FROM_FILE_NAME,
  ),
  beneficiaryLayout(
    'beneficiary_summary_stacked',
    'Beneficiary summary with a YEAR column (OHDSI’s stacked copy): one eligibility span per beneficiary-year with coverage.',
    ['YEAR', ...BENEFICIARY_HEADERS],
    YEAR_COLUMN,
  ),
];

/** Part D prescription drug events: one dispensing per PDE_ID. */
export const PRESCRIPTION_DRUG_EVENTS: SourceLayout = {
  id: 'prescription_drug_events',
  role: 'pharmacy',
  table: 'pharmacy_claim',
  description:
    'Part D prescription drug events, published to pharmacy_claim: gross drug cost as allowed, the beneficiary’s payment as copayment (the file has no plan payment).',
  detect: { headers: ['DESYNPUF_ID', 'PDE_ID', 'SRVC_DT', 'PROD_SRVC_ID'] },
  columns: {
    claim_id: 'PDE_ID',
    claim_line_number: { value: '1' },
    person_id: 'DESYNPUF_ID',
    member_id: 'DESYNPUF_ID',
    payer: { value: 'medicare' },
    plan: { value: 'medicare part d' },
    dispensing_date: 'SRVC_DT',
    ndc_code: 'PROD_SRVC_ID',
    quantity: 'QTY_DSPNSD_NUM',
    days_supply: 'DAYS_SUPLY_NUM',
    allowed_amount: 'TOT_RX_CST_AMT',
    copayment_amount: 'PTNT_PAY_AMT',
  },
};
