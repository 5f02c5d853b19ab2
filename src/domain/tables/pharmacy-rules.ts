import {
  amountFormatRule,
  dateFormatRule,
  dateRangeRule,
  malformedRowRule,
  npiRule,
  requiredFieldRule,
  unparseable,
} from '../common-rules.ts';
import type { RowRule } from '../rule.ts';
import {
  DAYS_SUPPLY_RANGE,
  PHARMACY_CLAIM_COLUMNS,
  PHARMACY_REQUIRED_COLUMNS,
  QUANTITY_RANGE,
} from './pharmacy-claim-model.ts';
import { tableColumnsOfKind } from './table-descriptor.ts';

/** The pharmacy_claim rule catalog (docs/rules.md). */
export const PHARMACY_RULES: readonly RowRule[] = [
  malformedRowRule(),
  requiredFieldRule(PHARMACY_REQUIRED_COLUMNS),
  dateFormatRule(tableColumnsOfKind(PHARMACY_CLAIM_COLUMNS, 'date')),
  dateRangeRule(tableColumnsOfKind(PHARMACY_CLAIM_COLUMNS, 'date')),
  amountFormatRule(tableColumnsOfKind(PHARMACY_CLAIM_COLUMNS, 'amount')),
  {
    id: 'invalid_ndc',
    needs: ['ndc_code'],
    source: 'FDA National Drug Code: 10 digits in 4-4-2, 5-3-2 or 5-4-1 segments, billed as 11 (5-4-2)',
    scope: 'row',
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description:
      'ndc_code is not 11 digits once its hyphenated forms are normalised (4-4-2, 5-3-2 and 5-4-1 get the leading zero of their short segment; 5-4-2 loses its hyphens). A bare 10-digit code is ambiguous and rejected.',
    failsWhen: (ctx) =>
      `(${ctx.value('ndc_code')} IS NOT NULL AND NOT ${ctx.sql.fullMatch(ctx.value('ndc_code'), '[0-9]{11}')})`,
  },
  {
    id: 'invalid_days_supply',
    needs: ['days_supply'],
    source: 'NCPDP D.0 days supply (405-D5); claimflow plausibility bound',
    scope: 'row',
    dimension: 'validity',
    severity: 'medium',
    action: 'quarantine',
    description: `days_supply is not a whole number from ${DAYS_SUPPLY_RANGE.min} to ${DAYS_SUPPLY_RANGE.max}.`,
    failsWhen: (ctx) =>
      `(${unparseable(ctx, 'days_supply')} OR ${ctx.value('days_supply')} < ${DAYS_SUPPLY_RANGE.min} OR ${ctx.value('days_supply')} > ${DAYS_SUPPLY_RANGE.max})`,
  },
  {
    id: 'invalid_quantity',
    needs: ['quantity'],
    source: 'NCPDP D.0 quantity dispensed (442-E7); claimflow plausibility bound',
    scope: 'row',
    dimension: 'validity',
    severity: 'medium',
    action: 'quarantine',
    description: `quantity is not a number above ${QUANTITY_RANGE.minExclusive} and at most ${QUANTITY_RANGE.max} (up to three decimal places).`,
    failsWhen: (ctx) =>
      `(${unparseable(ctx, 'quantity')} OR ${ctx.value('quantity')} <= ${QUANTITY_RANGE.minExclusive} OR ${ctx.value('quantity')} > ${QUANTITY_RANGE.max})`,
  },
  {
    id: 'dispensed_after_paid',
    needs: ['dispensing_date', 'paid_date'],
    source: 'payer adjudication: a fill is paid after it is dispensed',
    scope: 'row',
    dimension: 'consistency',
    severity: 'high',
    action: 'quarantine',
    description: 'dispensing_date is after paid_date.',
    failsWhen: (ctx) => `${ctx.value('dispensing_date')} > ${ctx.value('paid_date')}`,
  },
  npiRule('invalid_prescriber_npi', 'prescribing_provider_npi', 'prescriber'),
  npiRule('invalid_dispensing_npi', 'dispensing_provider_npi', 'pharmacy'),
];
