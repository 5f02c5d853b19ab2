import { BENEFICIARY_LAYOUTS, PRESCRIPTION_DRUG_EVENTS, SEX } from './cms-synpuf-tables.ts';
import type { ColumnSource, Companion, SourceLayout, SourceProfile } from './source-profile.ts';

/** The beneficiary summary files beside a claim file (one per year, or OHDSI's stacked copy). */
const BENEFICIARY: Companion = {
  name: 'beneficiary',
  files: ['*Beneficiary_Summary_File*.csv', '*Beneficiary_Summary_File*.csv.gz', 'beneficiary_summary.csv'],
  key: 'DESYNPUF_ID',
  on: 'DESYNPUF_ID',
};

const numbered = (target: string, source: string, count: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`${target}_${i + 1}`, `${source}_${i + 1}`]));

/** Columns every claim file shares: the beneficiary, the claim dates and its ICD-9 diagnoses. */
const claimHeader = (diagnoses: number): Record<string, ColumnSource> => ({
  claim_id: 'CLM_ID',
  person_id: 'DESYNPUF_ID',
  member_id: 'DESYNPUF_ID',
  payer: { value: 'medicare' },
  claim_start_date: 'CLM_FROM_DT',
  claim_end_date: 'CLM_THRU_DT',
  ...numbered('diagnosis_code', 'ICD9_DGNS_CD', diagnoses),
  birth_date: `beneficiary.BENE_BIRTH_DT`,
  gender: { ...SEX, column: `beneficiary.${SEX.column}` },
});

const firstLine = (column: string): ColumnSource => ({ column, first_line_only: true });

/** Inpatient and outpatient claims: segments merged, one line per HCPCS code, claim amounts on line 1. */
const institutional = (
  id: string,
  description: string,
  detect: readonly string[],
  columns: Record<string, ColumnSource>,
  sums: readonly string[],
): SourceLayout => ({
  id,
  role: 'claims',
  description,
  detect: { headers: ['DESYNPUF_ID', 'CLM_ID', 'SEGMENT', 'CLM_FROM_DT', 'CLM_THRU_DT', ...detect] },
  code_systems: { diagnosis: 'icd-9-cm', procedure: 'icd-9-pcs' },
  companions: [BENEFICIARY],
  merge: { key: 'CLM_ID', segment: 'SEGMENT', sum: ['CLM_PMT_AMT', ...sums] },
  unpivot: { slots: 45, columns: { hcpcs_code: 'HCPCS_CD_{n}' }, filled: 'hcpcs_code' },
  columns: {
    ...claimHeader(10),
    claim_type: { value: 'institutional' },
    rendering_npi: 'AT_PHYSN_NPI',
    paid_amount: firstLine('CLM_PMT_AMT'),
    ...numbered('procedure_code', 'ICD9_PRCDR_CD', 6),
    ...columns,
  },
});

/**
 * CMS Data Entrepreneurs' Synthetic Public Use Files (DE-SynPUF), 2008-2010: claims with ICD-9
 * codes, YYYYMMDD dates and synthetic provider numbers.
 */
export const CMS_SYNPUF_PROFILE: SourceProfile = {
  name: 'cms-synpuf',
  description: 'CMS DE-SynPUF carrier, inpatient, outpatient, prescription drug event and beneficiary summary files.',
  kind: 'tabular',
  // DE-SynPUF NPIs are synthetic: most fail the check digit, which says nothing about the claim.
  rules: { invalid_npi: { action: 'warn' } },
  layouts: [
    {
      id: 'carrier',
      role: 'claims',
      description: 'Carrier (professional) claims: the 13 line slots become lines.',
      detect: {
        headers: [
          'DESYNPUF_ID',
          'CLM_ID',
          'CLM_FROM_DT',
          'CLM_THRU_DT',
          'HCPCS_CD_1',
          'PRF_PHYSN_NPI_1',
          'LINE_NCH_PMT_AMT_1',
        ],
      },
      code_systems: { diagnosis: 'icd-9-cm' },
      companions: [BENEFICIARY],
      unpivot: {
        slots: 13,
        filled: 'hcpcs_code',
        columns: {
          hcpcs_code: 'HCPCS_CD_{n}',
          rendering_npi: 'PRF_PHYSN_NPI_{n}',
          rendering_tin: 'TAX_NUM_{n}',
          paid_amount: 'LINE_NCH_PMT_AMT_{n}',
          deductible_amount: 'LINE_BENE_PTB_DDCTBL_AMT_{n}',
          coinsurance_amount: 'LINE_COINSRNC_AMT_{n}',
          allowed_amount: 'LINE_ALOWD_CHRG_AMT_{n}',
          line_primary_payer_paid_amount: 'LINE_BENE_PRMRY_PYR_PD_AMT_{n}',
          line_processing_indicator: 'LINE_PRCSG_IND_CD_{n}',
          line_icd9_diagnosis: 'LINE_ICD9_DGNS_CD_{n}',
        },
      },
      columns: { ...claimHeader(8), claim_type: { value: 'professional' } },
    },
    institutional(
      'inpatient',
      'Inpatient claims: segments merged; one line per HCPCS code (or one line); claim amounts on the first line.',
      ['CLM_ADMSN_DT', 'NCH_BENE_DSCHRG_DT', 'CLM_DRG_CD'],
      {
        admission_date: 'CLM_ADMSN_DT',
        discharge_date: 'NCH_BENE_DSCHRG_DT',
        drg_code_type: { value: 'ms-drg' },
        drg_code: 'CLM_DRG_CD',
        deductible_amount: firstLine('NCH_BENE_IP_DDCTBL_AMT'),
        coinsurance_amount: firstLine('NCH_BENE_PTA_COINSRNC_LBLTY_AM'),
      },
      ['NCH_BENE_IP_DDCTBL_AMT', 'NCH_BENE_PTA_COINSRNC_LBLTY_AM'],
    ),
    institutional(
      'outpatient',
      'Outpatient claims: segments merged; one line per HCPCS code (or one line); claim amounts on the first line.',
      ['NCH_BENE_PTB_DDCTBL_AMT', 'NCH_BENE_PTB_COINSRNC_AMT', 'HCPCS_CD_1'],
      {
        deductible_amount: firstLine('NCH_BENE_PTB_DDCTBL_AMT'),
        coinsurance_amount: firstLine('NCH_BENE_PTB_COINSRNC_AMT'),
      },
      ['NCH_BENE_PTB_DDCTBL_AMT', 'NCH_BENE_PTB_COINSRNC_AMT'],
    ),
    PRESCRIPTION_DRUG_EVENTS,
    ...BENEFICIARY_LAYOUTS,
  ],
};
