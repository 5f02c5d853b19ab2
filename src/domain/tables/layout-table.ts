import { ClaimflowError } from '../errors.ts';
import type { SourceLayout } from '../profiles/source-profile.ts';
import type { TableDescriptor } from './table-descriptor.ts';
import { findTable, MEDICAL_CLAIM_TABLE } from './tables.ts';

/** A layout names a table no descriptor defines. */
export class UnknownTableError extends ClaimflowError {
  readonly code = 'unknown_table';
  constructor(
    readonly layoutId: string,
    readonly table: string,
  ) {
    super(`layout ${layoutId} fills table ${table}, which is not one of the published tables`);
  }
}

/**
 * The table a layout's rows are mapped onto: the one it names, else medical_claim (whose columns
 * the older non-publishing roles, such as SynPUF drug events, are mapped onto to be checked).
 */
export function tableOfLayout(layout: Pick<SourceLayout, 'id' | 'table'>): TableDescriptor {
  if (layout.table === undefined) return MEDICAL_CLAIM_TABLE;
  const table = findTable(layout.table);
  if (!table) throw new UnknownTableError(layout.id, layout.table);
  return table;
}
