import type { SqlDialect } from '../domain/sql-dialect.ts';

/**
 * Aggregations across tables and months: each is recomputed whole from every published file of
 * the tables it reads (eligibility spans cover many months, and a per-member-month rate needs both
 * sides), after the run's files are in place.
 */
/** The tables these aggregations read, by their names in the table catalog. */
export type AggregatedTable = 'medical_claim' | 'pharmacy_claim' | 'eligibility';

/** Published rows of a table, in its full layout (a table with no files is an empty relation). */
export type TableRelations = (table: AggregatedTable) => string;

export interface TableAggregation {
  readonly name: string;
  readonly description: string;
  /** The tables it reads. */
  readonly reads: readonly AggregatedTable[];
  /**
   * The table it cannot be computed without (PMPM has no denominator without eligibility): with none
   * of its files published the aggregation is removed, and the other tables are not read for it.
   */
  readonly base: AggregatedTable;
  compile(sql: SqlDialect, tables: TableRelations): string;
}

/**
 * One row per member, payer, plan and month of enrollment: a member enrolled on any day of a month
 * counts once for it, however many spans cover it. Spans end at the run's date at the latest
 * (an open span, 9999-12-31, has no months in the future).
 */
function memberMonthRows(sql: SqlDialect, eligibility: string): string {
  const q = sql.quoteIdent;
  const end = `LEAST(${q('enrollment_end_date')}, CURRENT_DATE)`;
  return `SELECT DISTINCT ${q('person_id')}, ${q('payer')}, ${q('plan')}, month_start FROM (
    SELECT ${q('person_id')}, ${q('payer')}, ${q('plan')}, ${sql.unnest(sql.monthStarts(q('enrollment_start_date'), end))} AS month_start
    FROM ${eligibility}
    WHERE ${q('person_id')} IS NOT NULL AND ${q('enrollment_start_date')} <= ${end}
  ) AS spans`;
}

const yearMonth = (sql: SqlDialect, date: string): string =>
  `CAST(${sql.formatYear(date)} AS INTEGER) AS year, CAST(${sql.formatMonth(date)} AS INTEGER) AS month`;

/** Paid amounts per payer, month and claim type: medical lines by claim_start_date, pharmacy by dispensing_date. */
function paidRows(sql: SqlDialect, tables: TableRelations): string {
  const q = sql.quoteIdent;
  return `SELECT ${yearMonth(sql, q('claim_start_date'))}, ${q('payer')}, ${q('claim_type')}, ${q('paid_amount')} FROM ${tables('medical_claim')}
    UNION ALL
    SELECT ${yearMonth(sql, q('dispensing_date'))}, ${q('payer')}, 'pharmacy' AS ${q('claim_type')}, ${q('paid_amount')} FROM ${tables('pharmacy_claim')}`;
}

export const TABLE_AGGREGATIONS: readonly TableAggregation[] = [
  {
    name: 'member_months',
    description: 'Members enrolled (any day) per month, payer and plan, from eligibility spans.',
    reads: ['eligibility'],
    base: 'eligibility',
    compile: (sql, tables) => {
      const q = sql.quoteIdent;
      return `SELECT ${yearMonth(sql, 'month_start')}, ${q('payer')}, ${q('plan')}, COUNT(DISTINCT ${q('person_id')}) AS member_months
FROM (${memberMonthRows(sql, tables('eligibility'))}) AS member_months
GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`;
    },
  },
  {
    name: 'pmpm_by_payer_claim_type',
    description:
      "Paid per member per month by payer and claim type (medical claim types, pharmacy, and 'total' over both): paid_amount / member_months of the payer and month.",
    reads: ['eligibility', 'medical_claim', 'pharmacy_claim'],
    base: 'eligibility',
    compile: (sql, tables) => {
      const q = sql.quoteIdent;
      const keys = `year, month, ${q('payer')}`;
      const pmpm = (paid: string): string => `CAST(ROUND(${paid} / member_months, 2) AS DECIMAL(14,2)) AS pmpm`;
      return `WITH members AS (
  SELECT ${yearMonth(sql, 'month_start')}, ${q('payer')}, COUNT(DISTINCT ${q('person_id')}) AS member_months
  FROM (${memberMonthRows(sql, tables('eligibility'))}) AS rows_by_month GROUP BY 1, 2, 3
), paid AS (
  SELECT ${keys}, ${q('claim_type')}, SUM(${q('paid_amount')}) AS paid_amount FROM (${paidRows(sql, tables)}) AS lines GROUP BY 1, 2, 3, 4
), total AS (
  SELECT ${keys}, SUM(paid_amount) AS paid_amount FROM paid GROUP BY 1, 2, 3
)
SELECT paid.year, paid.month, paid.${q('payer')}, paid.${q('claim_type')}, paid.paid_amount, members.member_months, ${pmpm('paid.paid_amount')}
FROM paid LEFT JOIN members ON paid.year = members.year AND paid.month = members.month AND paid.${q('payer')} = members.${q('payer')}
UNION ALL
SELECT members.year, members.month, members.${q('payer')}, 'total', COALESCE(total.paid_amount, 0), members.member_months, ${pmpm('COALESCE(total.paid_amount, 0)')}
FROM members LEFT JOIN total ON total.year = members.year AND total.month = members.month AND total.${q('payer')} = members.${q('payer')}
ORDER BY 1, 2, 3, 4`;
    },
  },
  {
    name: 'pharmacy_spend_monthly',
    description: 'Pharmacy lines, claims, members, days supplied and amounts per month (dispensing date) and payer.',
    reads: ['pharmacy_claim'],
    base: 'pharmacy_claim',
    compile: (sql, tables) => {
      const q = sql.quoteIdent;
      return `SELECT ${yearMonth(sql, q('dispensing_date'))}, ${q('payer')}, COUNT(*) AS line_count,
  COUNT(DISTINCT ${q('claim_id')}) AS claim_count, COUNT(DISTINCT ${q('person_id')}) AS member_count,
  SUM(${q('days_supply')}) AS days_supply, SUM(${q('charge_amount')}) AS charge_amount,
  SUM(${q('allowed_amount')}) AS allowed_amount, SUM(${q('paid_amount')}) AS paid_amount
FROM ${tables('pharmacy_claim')} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
    },
  },
];
