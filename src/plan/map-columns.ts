import { CANONICAL_COLUMNS, type CanonicalColumn, normalizeHeaderName } from '../domain/canonical-model.ts';
import type { ColumnMapping, MapInput } from './compile-plan.ts';

export interface SourceMapping extends Pick<MapInput, 'mappings' | 'extras'> {
  /** The canonical columns the file has. */
  readonly present: ReadonlySet<string>;
}

/**
 * A file's columns onto a table's columns (by default medical_claim's), matched as `normalizeHeaderName` does; the first
 * column to claim a canonical name takes it, the others (and unknown names) stay as extras.
 */
export function mapSourceColumns(
  sourceNames: readonly string[],
  sourceExpr: (name: string) => string,
  columns: readonly CanonicalColumn[] = CANONICAL_COLUMNS,
): SourceMapping {
  const canonical = new Set(columns.map((c) => c.name));
  const mappings: ColumnMapping[] = [];
  const extras: { name: string; sourceExpr: string }[] = [];
  const present = new Set<string>();
  for (const name of sourceNames) {
    const target = normalizeHeaderName(name);
    if (canonical.has(target) && !present.has(target)) {
      present.add(target);
      mappings.push({ canonical: target, sourceExpr: sourceExpr(name) });
    } else {
      extras.push({ name, sourceExpr: sourceExpr(name) });
    }
  }
  return { mappings, extras, present };
}
