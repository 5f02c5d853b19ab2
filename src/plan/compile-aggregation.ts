import { AGGREGATE_MEASURES, type Aggregation } from '../domain/aggregations.ts';
import type { SqlDialect } from './dialect.ts';

/** One month of an aggregation over `lines` (the month's published claim lines). */
export function compileAggregation(
  sql: SqlDialect,
  aggregation: Aggregation,
  lines: string,
  year: string,
  month: string,
): string {
  const q = sql.quoteIdent;
  const groups = aggregation.groupBy.map(q);
  return `SELECT CAST(${sql.stringLiteral(year)} AS INTEGER) AS year, CAST(${sql.stringLiteral(month)} AS INTEGER) AS month, ${groups.join(', ')},
  ${AGGREGATE_MEASURES.map(([name, expr]) => `${expr} AS ${q(name)}`).join(', ')}
FROM ${lines} GROUP BY ${groups.join(', ')} ORDER BY ${groups.join(', ')}`;
}
