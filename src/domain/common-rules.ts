import { GENDERS } from './canonical-model.ts';
import type { RowRule, RuleContext } from './rule.ts';

/**
 * Rules every table runs over its own columns (the record could be read, the keys are there,
 * dates and amounts are in their notation): one definition, instantiated per table's columns.
 */

export const anyOf = (columns: readonly string[], predicate: (column: string) => string): string =>
  columns.length === 0 ? 'FALSE' : `(${columns.map(predicate).join(' OR ')})`;

/** Source text is present but the typed value could not be made from it. */
export const unparseable = (ctx: RuleContext, column: string): string =>
  `(${ctx.text(column)} IS NOT NULL AND ${ctx.value(column)} IS NULL)`;

export function malformedRowRule(): RowRule {
  return {
    id: 'malformed_row',
    source: "RFC 4180 (CSV): every record has the header's field count; NDJSON: one JSON object per line",
    scope: 'row',
    needs: [],
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description:
      'The source record could not be read: a CSV row with too many or too few fields, an NDJSON line that is not a JSON object, a record longer than limits.max_record_bytes, bytes that are not UTF-8, or a NUL byte in a field.',
    judgesMalformedRows: true,
    failsWhen: (ctx) => ctx.malformed,
  };
}

export function requiredFieldRule(required: readonly string[]): RowRule {
  return {
    id: 'required_field_missing',
    source: 'claimflow canonical model (Tuva input layer keys)',
    scope: 'row',
    needs: [required],
    dimension: 'completeness',
    severity: 'high',
    action: 'quarantine',
    description: `One of ${required.join(', ')} is empty, only white space or zero-width characters, or a null spelling such as NULL, N/A or \\N (docs/value-notations.md).`,
    failsWhen: (ctx) => anyOf(required, (c) => `${ctx.text(c)} IS NULL`),
  };
}

export function dateFormatRule(dates: readonly string[]): RowRule {
  return {
    id: 'invalid_date_format',
    source: 'claimflow normalisation: feed date formats',
    scope: 'row',
    needs: [dates],
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description:
      'A date is not in YYYY-MM-DD, YYYYMMDD, M/D/YYYY or D-Mon-YYYY (four-digit years), or is not a calendar date (2025-02-30 is rejected, never rolled over).',
    failsWhen: (ctx) => anyOf(dates, (c) => unparseable(ctx, c)),
  };
}

/** `openEnded`: dates that may lie in the future (an enrollment's end), checked only against the earliest date. */
export function dateRangeRule(dates: readonly string[], openEnded: readonly string[] = []): RowRule {
  const future = openEnded.length === 0 ? '' : ` (${openEnded.join(', ')} may be after it)`;
  return {
    id: 'date_out_of_range',
    source: 'claimflow plausibility bounds',
    scope: 'row',
    needs: [dates],
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description: `A date is before the earliest plausible date (default 1900-01-01) or after the run date${future}.`,
    failsWhen: (ctx) =>
      anyOf(dates, (c) => {
        const early = `${ctx.value(c)} < ${ctx.sql.dateLiteral(ctx.thresholds.earliestDate)}`;
        return openEnded.includes(c) ? `(${early})` : `(${early} OR ${ctx.value(c)} > ${ctx.runDate})`;
      }),
  };
}

export function amountFormatRule(amounts: readonly string[]): RowRule {
  return {
    id: 'invalid_amount',
    source: 'claimflow canonical model: amounts DECIMAL(12,2)',
    scope: 'row',
    needs: [amounts],
    dimension: 'validity',
    severity: 'high',
    action: 'quarantine',
    description:
      "An amount is not in the source's amount notation (by default 1234.56 or 1,234.56, an optional sign and $, at most two decimal places unless the rest are zeros; docs/value-notations.md) or does not fit DECIMAL(12,2). 12.005, 1234,50 and 1e3 are rejected, never rounded or reinterpreted.",
    failsWhen: (ctx) => anyOf(amounts, (c) => unparseable(ctx, c)),
  };
}

/** Luhn check over the 80840 prefix (which contributes 24) for a 10-digit NPI. */
export function npiCheckFails(ctx: RuleContext, column: string): string {
  const v = ctx.value(column);
  const digit = (i: number): string => `CAST(SUBSTRING(${v}, ${i}, 1) AS INTEGER)`;
  const doubled = (i: number): string => `(${digit(i)} * 2 - CASE WHEN ${digit(i)} > 4 THEN 9 ELSE 0 END)`;
  const sum = [24, ...[1, 3, 5, 7, 9].map(doubled), ...[2, 4, 6, 8, 10].map(digit)].join(' + ');
  return `(${v} IS NOT NULL AND (CASE WHEN ${ctx.sql.fullMatch(v, '[0-9]{10}')} THEN (${sum}) % 10 <> 0 ELSE TRUE END))`;
}

/** One NPI column of a table, by the NPI standard's check digit (`who` names what the NPI is of). */
export function npiRule(id: string, column: string, who: string): RowRule {
  return {
    id,
    source: 'CMS NPI standard: 10 digits, Luhn check digit with the 80840 prefix',
    scope: 'row',
    dimension: 'validity',
    severity: 'medium',
    action: 'quarantine',
    needs: [column],
    description: `${column} (the ${who}) is not 10 digits or fails the NPI check digit.`,
    failsWhen: (ctx) => npiCheckFails(ctx, column),
  };
}

export function invalidGenderRule(): RowRule {
  return {
    id: 'invalid_gender',
    source: 'Tuva terminology: gender',
    scope: 'row',
    needs: ['gender'],
    dimension: 'validity',
    severity: 'low',
    action: 'warn',
    description: `gender is not one of ${GENDERS.join(', ')}.`,
    failsWhen: (ctx) => `NOT ${ctx.value('gender')} IN (${GENDERS.map((g) => ctx.sql.stringLiteral(g)).join(', ')})`,
  };
}
