import type { ColumnKind } from '../../domain/canonical-model.ts';
import type { TableDescriptor } from '../../domain/tables/table-descriptor.ts';
import { DQ_WARNINGS, EXTRA_COLUMNS, JOB_ID, type PublishedLayout, ROW_NUMBER } from '../../plan/compile-plan.ts';
import { AMOUNT_TYPE, QUANTITY_TYPE } from '../../plan/normalize.ts';

export interface RedshiftColumn {
  readonly name: string;
  readonly type: string;
}

/** Redshift's widest VARCHAR: a text value is never cut or rejected for its length, and unused width costs nothing on disk. */
const TEXT = 'VARCHAR(65535)';

const TYPES_BY_KIND: Readonly<Record<ColumnKind, string>> = {
  id: TEXT,
  code: TEXT,
  ndc: TEXT,
  icd: TEXT,
  label: TEXT,
  text: TEXT,
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  amount: `DECIMAL(${AMOUNT_TYPE.precision},${AMOUNT_TYPE.scale})`,
  quantity: `DECIMAL(${QUANTITY_TYPE.precision},${QUANTITY_TYPE.scale})`,
  integer: 'INTEGER',
};

function redshiftTypeOf(sqlType: string): string {
  if (sqlType === 'VARCHAR') return TEXT;
  if (/^(INTEGER|BIGINT|DATE|TIMESTAMP|DECIMAL\(\d+,\d+\))$/.test(sqlType)) return sqlType;
  throw new TypeError(`no Redshift type for enrichment type ${sqlType}`);
}

/**
 * The columns of a table's published Parquet, in file order: COPY from Parquet matches columns
 * by position, so this order is the publish stage's (src/plan/compile-plan.ts `publish`), minus
 * the `year`/`month` partition columns that live in the object keys. `dq_warnings` is a list,
 * loaded as SUPER (COPY ... SERIALIZETOJSON).
 */
export function publishedColumnsOf(table: TableDescriptor): RedshiftColumn[] {
  return [
    ...table.columns.map((c) => ({ name: c.name, type: TYPES_BY_KIND[c.kind] })),
    { name: JOB_ID, type: TEXT },
    { name: ROW_NUMBER, type: 'BIGINT' },
    ...table.enrichments.map((e) => ({ name: e.name, type: redshiftTypeOf(e.type) })),
    { name: DQ_WARNINGS, type: 'SUPER' },
    { name: EXTRA_COLUMNS, type: TEXT },
  ];
}

/**
 * What the AWS paths publish: every canonical column, since Redshift's COPY from Parquet matches
 * columns by position and a month's files must all have these. Loading per file with that file's
 * column list would let AWS publish only the populated columns too (issue 24, not done).
 */
export const REDSHIFT_LAYOUT: PublishedLayout = 'canonical';
