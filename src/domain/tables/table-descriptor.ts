import type { Aggregation } from '../aggregations.ts';
import type { CanonicalColumn } from '../canonical-model.ts';
import type { Enrichment } from '../enrichment.ts';
import type { RowRule } from '../rule.ts';

/**
 * One published table of the canonical model, as data: the pipeline compiles, checks, dedupes and
 * publishes any table from its descriptor, so a new table is a new descriptor (and a layout that
 * fills it), not a change to the stages.
 */
export interface TableDescriptor {
  /** The Tuva input-layer name: the warehouse view and the `processed/` folder (store-layout.ts). */
  readonly name: string;
  /** What one row is. */
  readonly grain: string;
  /** Every column, in the Tuva input layer's order, then our documented additions. */
  readonly columns: readonly CanonicalColumn[];
  /** The header must carry these (else missing_required_column); a row must fill them (required_field_missing). */
  readonly required: readonly string[];
  /** Valid rows sharing it are key duplicates: one is kept. */
  readonly dedupeKey: readonly string[];
  /** Among key duplicates the latest of this column is kept (NULL oldest; a tie: the later source row). */
  readonly latestBy: string;
  /** The date whose year and month partition the published files. */
  readonly partitionDate: string;
  /** The row rules, in report order. */
  readonly rules: readonly RowRule[];
  /** Derived columns added to every published row. */
  readonly enrichments: readonly Enrichment[];
  /** Per-month aggregations of this table alone, computed beside its files. */
  readonly monthlyAggregations: readonly Aggregation[];
  /**
   * The identifiers a report's sample rows show (as `claim_id`, `claim_line_number`; a null second
   * leaves that one empty); null: row numbers only.
   */
  readonly sampleIds: readonly [string, string | null] | null;
}

/** A table's column by name, or undefined. */
export function findTableColumn(table: TableDescriptor, name: string): CanonicalColumn | undefined {
  return table.columns.find((c) => c.name === name);
}

/** The names of a table's columns of the given kinds. */
export function tableColumnsOfKind(
  columns: readonly CanonicalColumn[],
  ...kinds: ReadonlyArray<CanonicalColumn['kind']>
): string[] {
  return columns.filter((c) => kinds.includes(c.kind)).map((c) => c.name);
}
