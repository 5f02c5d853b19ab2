import {
  CLAIM_TYPES,
  columnsOfKind,
  DIAGNOSIS_COLUMNS,
  NPI_COLUMNS,
  PROCEDURE_COLUMNS,
  REQUIRED_COLUMNS,
} from './canonical-model.ts';
import {
  amountFormatRule,
  anyOf,
  dateFormatRule,
  dateRangeRule,
  invalidGenderRule,
  malformedRowRule,
  npiCheckFails,
  requiredFieldRule,
  unparseable,
} from './common-rules.ts';
import type { FileRule, RowRule, Rule, RuleContext } from './rule.ts';

const DATE_COLUMNS = columnsOfKind('date');
const AMOUNT_COLUMNS = columnsOfKind('amount');
const MEMBER_SHARE_COLUMNS = ['copayment_amount', 'coinsurance_amount', 'deductible_amount'];

/** ICD-10-CM after dot removal: letter, digit, alphanumeric, then up to four more (U codes included). */
export const ICD10CM_PATTERN = '[A-Z][0-9][0-9A-Z][0-9A-Z]{0,4}';
/** ICD-10-PCS: seven characters from digits and letters other than I and O. */
export const ICD10PCS_PATTERN = '[0-9A-HJ-NP-Z]{7}';
/** CPT category I (five digits; PLA/MAAA codes end in U or M), II (F), III (T); HCPCS level II (A-V + 4 digits). */
export const HCPCS_PATTERN = '[0-9]{5}|[0-9]{4}[FTUM]|[A-V][0-9]{4}';
const HCPCS_LEVEL2_PATTERN = '[A-V][0-9]{4}';

const isOneOf = (ctx: RuleContext, column: string, values: readonly string[]): string =>
  `${ctx.value(column)} IN (${values.map((v) => ctx.sql.stringLiteral(v)).join(', ')})`;

interface RuleMeta {
  readonly dimension: RowRule['dimension'];
  readonly severity: RowRule['severity'];
  readonly action: RowRule['action'];
}
const QUARANTINE_VALIDITY: RuleMeta = { dimension: 'validity', severity: 'high', action: 'quarantine' };
const QUARANTINE_CONSISTENCY: RuleMeta = { dimension: 'consistency', severity: 'high', action: 'quarantine' };
const WARN_VALIDITY: RuleMeta = { dimension: 'validity', severity: 'low', action: 'warn' };
const WARN_CONSISTENCY: RuleMeta = { dimension: 'consistency', severity: 'medium', action: 'warn' };

export const ROW_RULES: readonly RowRule[] = [
  malformedRowRule(),
  requiredFieldRule(REQUIRED_COLUMNS),
  dateFormatRule(DATE_COLUMNS),
  dateRangeRule(DATE_COLUMNS),
  {
    id: 'claim_start_after_end',
    source: 'Tuva data quality checks (claim dates)',
    scope: 'row',
    needs: ['claim_start_date', 'claim_end_date'],
    ...QUARANTINE_CONSISTENCY,
    description: 'claim_start_date is after claim_end_date.',
    failsWhen: (ctx) => `${ctx.value('claim_start_date')} > ${ctx.value('claim_end_date')}`,
  },
  {
    id: 'claim_line_start_after_end',
    source: 'Tuva data quality checks (claim line dates)',
    scope: 'row',
    needs: ['claim_line_start_date', 'claim_line_end_date'],
    ...QUARANTINE_CONSISTENCY,
    description: 'claim_line_start_date is after claim_line_end_date.',
    failsWhen: (ctx) => `${ctx.value('claim_line_start_date')} > ${ctx.value('claim_line_end_date')}`,
  },
  {
    id: 'admission_after_discharge',
    source: 'Tuva data quality checks (admission/discharge dates)',
    scope: 'row',
    needs: ['admission_date', 'discharge_date'],
    ...QUARANTINE_CONSISTENCY,
    description: 'admission_date is after discharge_date.',
    failsWhen: (ctx) => `${ctx.value('admission_date')} > ${ctx.value('discharge_date')}`,
  },
  {
    id: 'invalid_claim_line_number',
    source: 'X12 837 LX segment: line numbers start at 1',
    scope: 'row',
    needs: ['claim_line_number'],
    ...QUARANTINE_VALIDITY,
    description:
      'claim_line_number is not a whole number of at least 1 written as digits (1.5, 1.0, 0x10, 1e1 and 1,000 are rejected, never rounded or converted).',
    failsWhen: (ctx) => `(${unparseable(ctx, 'claim_line_number')} OR ${ctx.value('claim_line_number')} < 1)`,
  },
  amountFormatRule(AMOUNT_COLUMNS),
  {
    id: 'invalid_npi',
    source: 'CMS NPI standard: 10 digits, Luhn check digit with the 80840 prefix',
    scope: 'row',
    needs: [NPI_COLUMNS],
    ...QUARANTINE_VALIDITY,
    description:
      'rendering_npi, billing_npi or facility_npi is not 10 digits or fails the Luhn check digit over the 80840 prefix.',
    failsWhen: (ctx) => anyOf(NPI_COLUMNS, (c) => npiCheckFails(ctx, c)),
  },
  {
    id: 'invalid_icd10cm_format',
    source: 'CDC/CMS ICD-10-CM code structure',
    scope: 'row',
    needs: [DIAGNOSIS_COLUMNS],
    alsoReads: ['diagnosis_code_type'],
    ...QUARANTINE_VALIDITY,
    description:
      'A diagnosis code (1-25) does not have the ICD-10-CM structure (dots allowed; U codes valid). Skipped when diagnosis_code_type is icd-9-cm.',
    failsWhen: (ctx) =>
      `(${ctx.value('diagnosis_code_type')} IS DISTINCT FROM 'icd-9-cm' AND ${anyOf(
        DIAGNOSIS_COLUMNS,
        (c) => `NOT ${ctx.sql.fullMatch(ctx.value(c), ICD10CM_PATTERN)}`,
      )})`,
  },
  {
    id: 'invalid_hcpcs_format',
    source: 'AMA CPT categories I-III and CMS HCPCS level II code shapes',
    scope: 'row',
    needs: ['hcpcs_code'],
    ...QUARANTINE_VALIDITY,
    description: 'hcpcs_code is not shaped like a CPT category I, II or III code or a HCPCS level II code.',
    failsWhen: (ctx) => `NOT ${ctx.sql.fullMatch(ctx.value('hcpcs_code'), HCPCS_PATTERN)}`,
  },
  {
    id: 'invalid_place_of_service',
    source: 'CMS place of service code set (two digits)',
    scope: 'row',
    needs: ['place_of_service_code'],
    ...QUARANTINE_VALIDITY,
    description: 'place_of_service_code is not two digits (membership in the list is unknown_place_of_service).',
    failsWhen: (ctx) => `NOT ${ctx.sql.fullMatch(ctx.value('place_of_service_code'), '[0-9]{2}')}`,
  },
  {
    id: 'unknown_place_of_service',
    source: 'CMS place of service code set (Tuva terminology list)',
    scope: 'row',
    needs: ['place_of_service_code'],
    ...QUARANTINE_VALIDITY,
    requires: 'place_of_service',
    description: 'place_of_service_code is two digits but not in the place-of-service reference list.',
    failsWhen: (ctx) =>
      `(${ctx.sql.fullMatch(ctx.value('place_of_service_code'), '[0-9]{2}')} AND NOT ${ctx.inCodeSet('place_of_service_code', 'place_of_service')})`,
  },
  {
    id: 'invalid_claim_type',
    source: 'Tuva terminology: claim_type',
    scope: 'row',
    needs: ['claim_type'],
    ...QUARANTINE_VALIDITY,
    description: `claim_type is not one of ${CLAIM_TYPES.join(', ')}.`,
    failsWhen: (ctx) => `NOT ${isOneOf(ctx, 'claim_type', CLAIM_TYPES)}`,
  },
  {
    id: 'invalid_units',
    source: 'X12 837 SV1-04/SV2-05 service unit count is positive',
    scope: 'row',
    needs: ['service_unit_quantity'],
    ...QUARANTINE_VALIDITY,
    description:
      'service_unit_quantity is not a number in the notation of amounts (no $, at most three decimal places unless the rest are zeros), or is zero or less.',
    failsWhen: (ctx) => `(${unparseable(ctx, 'service_unit_quantity')} OR ${ctx.value('service_unit_quantity')} <= 0)`,
  },
  {
    id: 'multiple_persons_per_claim',
    source: 'Tuva data quality checks (one patient per claim)',
    scope: 'row',
    needs: ['person_id'],
    ...QUARANTINE_CONSISTENCY,
    description: 'The lines of one claim_id name more than one person_id (every line of the claim is flagged).',
    failsWhen: (ctx) => ctx.variesWithinClaim('person_id'),
  },
  {
    id: 'negative_amount',
    source: 'claimflow: reversals and adjustments flagged for review',
    scope: 'row',
    needs: [AMOUNT_COLUMNS],
    ...WARN_VALIDITY,
    description: 'An amount is negative (a reversal or adjustment line).',
    failsWhen: (ctx) => anyOf(AMOUNT_COLUMNS, (c) => `${ctx.value(c)} < 0`),
  },
  {
    id: 'paid_exceeds_allowed',
    source: 'payer adjudication: paid is at most allowed',
    scope: 'row',
    needs: ['paid_amount', 'allowed_amount'],
    ...WARN_CONSISTENCY,
    description: 'paid_amount is greater than allowed_amount.',
    failsWhen: (ctx) => `${ctx.value('paid_amount')} > ${ctx.value('allowed_amount')}`,
  },
  {
    id: 'allowed_exceeds_charge',
    source: 'payer adjudication: allowed is at most billed charge',
    scope: 'row',
    needs: ['allowed_amount', 'charge_amount'],
    ...WARN_CONSISTENCY,
    description: 'allowed_amount is greater than charge_amount.',
    failsWhen: (ctx) => `${ctx.value('allowed_amount')} > ${ctx.value('charge_amount')}`,
  },
  {
    id: 'amount_breakdown_mismatch',
    source: 'payer adjudication: allowed = paid + member cost share',
    scope: 'row',
    needs: ['paid_amount', 'allowed_amount', MEMBER_SHARE_COLUMNS],
    ...WARN_CONSISTENCY,
    description:
      'paid + copayment + coinsurance + deductible differs from allowed by more than the tolerance (default 0.01). Checked when paid, allowed and at least one member-share part are present; a missing part counts as 0.',
    failsWhen: (ctx) => {
      const shares = MEMBER_SHARE_COLUMNS;
      const parts = ['paid_amount', ...shares].map((c) => `COALESCE(${ctx.value(c)}, 0)`).join(' + ');
      const anyShare = shares.map((c) => `${ctx.value(c)} IS NOT NULL`).join(' OR ');
      return `(${ctx.value('paid_amount')} IS NOT NULL AND ${ctx.value('allowed_amount')} IS NOT NULL AND (${anyShare}) AND ABS(${parts} - ${ctx.value('allowed_amount')}) > ${ctx.thresholds.amountTolerance})`;
    },
  },
  {
    id: 'unknown_icd10cm_code',
    source: 'CDC ICD-10-CM order file (billable codes), from --refdata',
    scope: 'row',
    needs: [DIAGNOSIS_COLUMNS],
    alsoReads: ['diagnosis_code_type'],
    ...WARN_VALIDITY,
    requires: 'icd10cm',
    description: 'A well-formed ICD-10-CM diagnosis code is not a billable code in the reference list.',
    failsWhen: (ctx) =>
      `(${ctx.value('diagnosis_code_type')} IS DISTINCT FROM 'icd-9-cm' AND ${anyOf(
        DIAGNOSIS_COLUMNS,
        (c) => `(${ctx.sql.fullMatch(ctx.value(c), ICD10CM_PATTERN)} AND NOT ${ctx.inCodeSet(c, 'icd10cm')})`,
      )})`,
  },
  {
    id: 'invalid_icd10pcs_format',
    source: 'CMS ICD-10-PCS code structure (7 characters, no I or O)',
    scope: 'row',
    needs: ['procedure_code_type', PROCEDURE_COLUMNS],
    ...WARN_VALIDITY,
    description: 'A procedure code (1-25) with procedure_code_type icd-10-pcs is not seven ICD-10-PCS characters.',
    failsWhen: (ctx) =>
      `(${ctx.value('procedure_code_type')} = 'icd-10-pcs' AND ${anyOf(
        PROCEDURE_COLUMNS,
        (c) => `NOT ${ctx.sql.fullMatch(ctx.value(c), ICD10PCS_PATTERN)}`,
      )})`,
  },
  {
    id: 'unknown_hcpcs_code',
    source: 'CMS HCPCS level II list (Tuva terminology), from --refdata',
    scope: 'row',
    needs: ['hcpcs_code'],
    ...WARN_VALIDITY,
    requires: 'hcpcs_level_2',
    description: 'hcpcs_code is shaped like HCPCS level II but is not in the HCPCS level II reference list.',
    failsWhen: (ctx) =>
      `(${ctx.sql.fullMatch(ctx.value('hcpcs_code'), HCPCS_LEVEL2_PATTERN)} AND NOT ${ctx.inCodeSet('hcpcs_code', 'hcpcs_level_2')})`,
  },
  {
    id: 'invalid_bill_type',
    source: 'NUBC type of bill (Tuva terminology), from --refdata',
    scope: 'row',
    needs: ['bill_type_code'],
    ...WARN_VALIDITY,
    requires: 'bill_type',
    description: 'bill_type_code is not in the bill type reference list.',
    failsWhen: (ctx) => `NOT ${ctx.inCodeSet('bill_type_code', 'bill_type')}`,
  },
  {
    id: 'invalid_revenue_code',
    source: 'NUBC revenue codes (Tuva terminology), from --refdata',
    scope: 'row',
    needs: ['revenue_center_code'],
    ...WARN_VALIDITY,
    requires: 'revenue_center',
    description: 'revenue_center_code is not in the revenue center reference list.',
    failsWhen: (ctx) => `NOT ${ctx.inCodeSet('revenue_center_code', 'revenue_center')}`,
  },
  {
    id: 'invalid_drg',
    source: 'CMS MS-DRG list (Tuva terminology), from --refdata',
    scope: 'row',
    needs: ['drg_code'],
    alsoReads: ['drg_code_type'],
    ...WARN_VALIDITY,
    requires: 'ms_drg',
    description: 'drg_code is not in the MS-DRG reference list (checked when drg_code_type is ms-drg or empty).',
    failsWhen: (ctx) =>
      `(COALESCE(${ctx.value('drg_code_type')}, 'ms-drg') = 'ms-drg' AND NOT ${ctx.inCodeSet('drg_code', 'ms_drg')})`,
  },
  {
    id: 'missing_pos_professional',
    source: 'CMS-1500 / 837P: place of service on professional claims',
    scope: 'row',
    needs: ['claim_type', 'place_of_service_code'],
    dimension: 'completeness',
    severity: 'medium',
    action: 'warn',
    description: 'A professional line has no place_of_service_code.',
    failsWhen: (ctx) =>
      `(${ctx.value('claim_type')} = 'professional' AND ${ctx.text('place_of_service_code')} IS NULL)`,
  },
  {
    id: 'missing_bill_type_institutional',
    source: 'UB-04 / 837I: type of bill on institutional claims',
    scope: 'row',
    needs: ['claim_type', 'bill_type_code'],
    dimension: 'completeness',
    severity: 'medium',
    action: 'warn',
    description: 'An institutional line has no bill_type_code.',
    failsWhen: (ctx) => `(${ctx.value('claim_type')} = 'institutional' AND ${ctx.text('bill_type_code')} IS NULL)`,
  },
  invalidGenderRule(),
  {
    id: 'paid_before_service',
    source: 'payer adjudication: payment follows service',
    scope: 'row',
    needs: ['paid_date', 'claim_start_date'],
    ...WARN_CONSISTENCY,
    description: 'paid_date is before claim_start_date.',
    failsWhen: (ctx) => `${ctx.value('paid_date')} < ${ctx.value('claim_start_date')}`,
  },
  {
    id: 'birth_after_service',
    source: 'claimflow plausibility: birth precedes service',
    scope: 'row',
    needs: ['birth_date', 'claim_start_date'],
    ...WARN_CONSISTENCY,
    description: 'birth_date is after claim_start_date (age at service is left empty).',
    failsWhen: (ctx) => `${ctx.value('birth_date')} > ${ctx.value('claim_start_date')}`,
  },
  {
    id: 'multiple_claim_types_per_claim',
    source: 'Tuva data quality checks (one claim type per claim)',
    scope: 'row',
    needs: ['claim_type'],
    ...WARN_CONSISTENCY,
    description: 'The lines of one claim_id carry more than one claim_type (every line of the claim is flagged).',
    failsWhen: (ctx) => ctx.variesWithinClaim('claim_type'),
  },
  {
    id: 'invalid_in_network_flag',
    source: 'Tuva input layer: in_network_flag is 0 or 1',
    scope: 'row',
    needs: ['in_network_flag'],
    ...WARN_VALIDITY,
    description: 'in_network_flag is not 0 or 1.',
    failsWhen: (ctx) =>
      `(${ctx.text('in_network_flag')} IS NOT NULL AND ${ctx.value('in_network_flag')} IS DISTINCT FROM 0 AND ${ctx.value('in_network_flag')} IS DISTINCT FROM 1)`,
  },
  {
    id: 'late_claim',
    source: 'timely filing limits (commonly 365 days, e.g. Medicare)',
    scope: 'row',
    // With the paid_date basis, a claim without a paid date is not judged.
    needs: (t) => (t.timelyFilingBasis === 'run_date' ? ['claim_end_date'] : ['claim_end_date', 'paid_date']),
    dimension: 'timeliness',
    severity: 'low',
    action: 'warn',
    description:
      'paid_date is more days after claim_end_date than the timely-filing limit (default 365); with thresholds.timely_filing_basis: run_date, the run date is.',
    failsWhen: (ctx) => {
      const late = (until: string): string =>
        `${ctx.sql.daysBetween(ctx.value('claim_end_date'), until)} > ${ctx.thresholds.timelyFilingDays}`;
      if (ctx.thresholds.timelyFilingBasis === 'run_date') return late(ctx.runDate);
      // A paid date after the run date is date_out_of_range's to report, not a delay.
      return `(${ctx.value('paid_date')} <= ${ctx.runDate} AND ${late(ctx.value('paid_date'))})`;
    },
  },
];

export const CONFLICTING_DUPLICATE_KEY = 'conflicting_duplicate_key';

export const FILE_RULES: readonly FileRule[] = [
  {
    id: 'missing_required_column',
    source: 'claimflow canonical model: required columns',
    scope: 'file',
    dimension: 'completeness',
    severity: 'critical',
    action: 'halt',
    description: 'The header lacks a required column.',
  },
  {
    id: 'empty_file',
    source: 'claimflow file checks',
    scope: 'file',
    dimension: 'completeness',
    severity: 'high',
    action: 'halt',
    description: 'The file has no data rows.',
  },
  {
    id: 'unreadable_file',
    source: 'claimflow file checks (CSV/JSON/NDJSON, UTF-8, gzip)',
    scope: 'file',
    dimension: 'validity',
    severity: 'critical',
    action: 'halt',
    description: 'The file cannot be read as CSV, JSON or NDJSON (binary, bad encoding, bad compression).',
  },
  {
    id: 'record_count_mismatch',
    source: 'claimflow file checks: records counted from the bytes, independently of the reader',
    scope: 'file',
    dimension: 'validity',
    severity: 'critical',
    action: 'halt',
    description:
      "The reader's records (read and set aside) differ from a count of the file's records made from its bytes (RFC 4180 quoting), or a quoted field opened on one line is never closed: records would be lost or invented.",
  },
  {
    id: 'file_changed_during_read',
    source: 'claimflow file checks: size, modification time and inode before and after the read',
    scope: 'file',
    dimension: 'validity',
    severity: 'critical',
    action: 'halt',
    description:
      'The file was written to or replaced while it was hashed, archived and read: what was read is not what was archived.',
  },
  {
    id: 'decompression_limit_exceeded',
    source: 'claimflow file checks: gzip bomb bounds (limits.max_decompressed_bytes, limits.max_compression_ratio)',
    scope: 'file',
    dimension: 'validity',
    severity: 'critical',
    action: 'halt',
    description:
      'The gzip file inflates past the configured size (default 20 GiB) or ratio (default 200 times its compressed size); it is rejected before it is read.',
  },
  {
    id: 'column_limit_exceeded',
    source: 'claimflow file checks: width bound (limits.max_columns)',
    scope: 'file',
    dimension: 'validity',
    severity: 'critical',
    action: 'halt',
    description:
      'The file has more columns than limits.max_columns (default 1024: CSV header fields, or distinct JSON keys), or its CSV header line does not end within its first 64 KiB; it is rejected before its rows are read.',
  },
  {
    id: 'record_limit_exceeded',
    source: "claimflow file checks: the JSON reader's record bound (16 MiB, or limits.max_record_bytes if higher)",
    scope: 'file',
    dimension: 'validity',
    severity: 'critical',
    action: 'halt',
    description:
      'A record of a JSON array is larger than the JSON reader holds at once (16 MiB, or limits.max_record_bytes if higher); the file is rejected whole. A smaller record over limits.max_record_bytes is a malformed_row.',
  },
  {
    id: 'error_rate_exceeded',
    source: 'claimflow file checks: configurable error budget',
    scope: 'file',
    dimension: 'validity',
    severity: 'high',
    action: 'halt',
    description: "The share of quarantined rows is over the file's threshold (default 5%).",
  },
];

/** Dedupe outcome, reported like a rule so its count shows with the others. */
export const DEDUPE_RULES: readonly Rule[] = [
  {
    id: CONFLICTING_DUPLICATE_KEY,
    source: 'claimflow dedupe: latest adjudication wins',
    scope: 'file',
    dimension: 'uniqueness',
    severity: 'medium',
    action: 'warn',
    description:
      'Lines share (claim_id, claim_line_number, data_source) but differ; the one with the latest paid_date (then the later source row) is kept and carries this warning.',
  },
];

export const ALL_RULES: readonly Rule[] = [...ROW_RULES, ...DEDUPE_RULES, ...FILE_RULES];
