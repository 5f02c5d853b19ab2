import { AGGREGATE_MEASURES, type Aggregation } from '../domain/aggregations.ts';
import type { SqlDialect } from '../domain/sql-dialect.ts';

/** One month of an aggregation over `lines` (the month's published claim lines). */
export function compileAggregation(
  sql: SqlDialect,
  aggregation: Aggregation,
  lines: string,
  year: string,
  month: string,
): string {
  return aggregate(sql, aggregation, lines, { year: sql.stringLiteral(year), month: sql.stringLiteral(month) }, []);
}

/** An aggregation of every month in `lines`, told apart by the lines' own `year` and `month` columns. */
export function compileAggregationByMonth(sql: SqlDialect, aggregation: Aggregation, lines: string): string {
  const period = { year: sql.quoteIdent('year'), month: sql.quoteIdent('month') };
  return aggregate(sql, aggregation, lines, period, [period.year, period.month]);
}

function aggregate(
  sql: SqlDialect,
  aggregation: Aggregation,
  lines: string,
  period: { readonly year: string; readonly month: string },
  periodKeys: readonly string[],
): string {
  const q = sql.quoteIdent;
  const groups = aggregation.groupBy.map(q);
  const keys = [...periodKeys, ...groups].join(', ');
  return `SELECT CAST(${period.year} AS INTEGER) AS year, CAST(${period.month} AS INTEGER) AS month, ${groups.join(', ')},
  ${AGGREGATE_MEASURES.map(([name, expr]) => `${expr} AS ${q(name)}`).join(', ')}
FROM ${lines} GROUP BY ${keys} ORDER BY ${keys}`;
}
