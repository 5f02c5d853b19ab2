import { CANONICAL_COLUMNS, type CanonicalColumn } from '../domain/canonical-model.ts';
import { duckdbDialect } from './duckdb-dialect.ts';
import { nullOf } from './normalize.ts';

const q = duckdbDialect.quoteIdent;

/**
 * Published claim files (`files`, a DuckDB relation reading them by name) in the full canonical
 * layout. A job publishes only the canonical columns its file has (an all-NULL column costs the
 * writer on every row), so a column no file of the relation has is added here as a typed NULL,
 * and one some files lack is NULL in those rows; every reader sees the canonical columns, in the
 * model's order and types, then the pipeline's own (lineage, enrichments, `year`/`month`).
 * A zero-row relation of the typed columns is unioned by name: no footer has to be read first, and
 * filters and projections still reach the Parquet scan.
 */
export function withCanonicalLayout(files: string, columns: readonly CanonicalColumn[] = CANONICAL_COLUMNS): string {
  return `(SELECT * FROM ${emptyTable(columns)} UNION ALL BY NAME SELECT * FROM ${files})`;
}

/** A zero-row relation of a table's typed columns. */
export function emptyTable(columns: readonly CanonicalColumn[]): string {
  const typed = columns.map((c) => `${nullOf(duckdbDialect, c.kind)} AS ${q(c.name)}`).join(', ');
  return `(SELECT ${typed} LIMIT 0)`;
}
