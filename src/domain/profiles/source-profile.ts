import { type CanonicalColumn, LINEAGE_COLUMNS } from '../canonical-model.ts';
import type { RuleOverride } from '../resolve-rules.ts';
import type { SqlDialect } from '../sql-dialect.ts';
import type { NumberFormat } from '../value-notation.ts';

/**
 * A source profile maps one source layout onto the canonical model. Tabular profiles are
 * declarative (columns, renames, unpivots, merges, companion files, date formats, code systems),
 * compiled to SQL by `src/plan/compile-profile.ts`; record profiles (X12, FHIR) name a converter
 * that writes canonical NDJSON, which then goes through the tabular path.
 */
export interface SourceProfile {
  readonly name: string;
  readonly description: string;
  /** `tabular`: CSV/JSON read as text columns; `x12`/`fhir`: converted to canonical NDJSON first. */
  readonly kind: ProfileKind;
  /** The file layouts the profile reads, tried in order; a file takes the best-scoring one. */
  readonly layouts: readonly SourceLayout[];
  /** Rule overrides the source's nature calls for (e.g. synthetic NPIs); the config's overrides win. */
  readonly rules?: Readonly<Record<string, RuleOverride>>;
}

export type ProfileKind = 'tabular' | 'x12' | 'fhir';

/**
 * What a file contributes. `claims` lines are published; `members` (eligibility) rows are checked
 * with the member rules and feed claim files as companions; `pharmacy` claims are checked but not
 * published (the canonical model is medical claims); `providers` (a provider registry) and
 * `reference` files only feed other files. A layout that names a table is published to it whatever its role.
 */
export type FileRole = 'claims' | 'members' | 'pharmacy' | 'providers' | 'reference';

/** Date layouts the normalise stage does not read itself, rewritten to YYYY-MM-DD by the profile. */
export const DATE_FORMATS = ['DD/MM/YYYY', 'DD.MM.YYYY', 'YYYY/MM/DD', 'MMDDYYYY', 'DDMMYYYY', 'timestamp'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];

/** A source column (`NAME`, or `companion.NAME` for a companion file's column) or a rule for one. */
export type ColumnSource =
  | string
  | {
      readonly column: string;
      /** Source values replaced before anything else (a `null` target blanks the value). */
      readonly values?: Readonly<Record<string, string | null>>;
      readonly date_format?: DateFormat;
      /** How the column writes decimals when not with a point (amounts and quantities only). */
      readonly number_format?: NumberFormat;
      /** Only on the claim's first line (claim-level amounts when a claim becomes several lines). */
      readonly first_line_only?: boolean;
    }
  | { readonly value: string };

/** Repeated column groups (`HCPCS_CD_1` ... `HCPCS_CD_13`) become one line per filled slot. */
export interface Unpivot {
  readonly slots: number;
  /** Target (a canonical column, or any other name kept in extra_columns) to a template with `{n}`. */
  readonly columns: Readonly<Record<string, string>>;
  /** The target whose blank value marks an unused slot; a claim with no filled slot keeps one line. */
  readonly filled: string;
}

/**
 * Rows sharing `key` are one claim (CMS claim segments): mapped columns take the first segment's
 * value, `sum` columns the total over the segments. With an unpivot the segments' slots continue
 * the line numbers ((segment - 1) * slots + slot); without one the claim keeps one row.
 */
export interface Merge {
  readonly key: string;
  readonly segment: string;
  readonly sum?: readonly string[];
}

/** Another file beside the input (found by name), joined by key to fill columns. */
export interface Companion {
  /** Prefix of its columns in column sources: `<name>.COLUMN`. */
  readonly name: string;
  /** File-name globs (case-insensitive) looked up in the input's folder; every match is read. */
  readonly files: readonly string[];
  /** Its key column. */
  readonly key: string;
  /** What the key matches: a source column, or `<earlier companion>.COLUMN`. */
  readonly on: string;
  /** Without it the file is rejected; otherwise its columns are simply absent. */
  readonly required?: boolean;
}

/** Rows kept: those whose column's trimmed text is one of the values. */
export interface RowFilter {
  readonly column: string;
  readonly in: readonly string[];
}

/**
 * A SQL step over the text rows that only a built-in profile may add, deriving columns the
 * declarative fields cannot (e.g. payments attributed to the charge they follow).
 */
export interface PrepareStep {
  /** The columns it adds, usable in column sources like source columns. */
  readonly columns: readonly string[];
  /**
   * A relation over `rows` with every column of `rows` and the added ones. `column` gives the
   * identifier of a source column in `rows`, by its name in the file (matched as header names
   * are): the rows name the file's columns by position, so that no header meets another column.
   * `fileName` is the input's name, for facts a source writes only there (SynPUF's year). A step
   * that cannot work with the file throws LayoutColumnsError, naming what it lacks.
   */
  readonly sql: (rows: string, sql: SqlDialect, column: (name: string) => string, fileName: string) => string;
}

export interface SourceLayout {
  readonly id: string;
  readonly role: FileRole;
  /**
   * The published table the layout fills (src/domain/tables/tables.ts): its columns, rules and
   * output. Without it a `claims` layout fills medical_claim, and other roles publish nothing.
   */
  readonly table?: string;
  readonly description: string;
  /** Source columns (matched as header names are: case, spaces, dashes aside) that must all be there. */
  readonly detect: { readonly headers: readonly string[] };
  /** Every source column whose name is a canonical column maps to it (the standard layout). */
  readonly match_by_name?: boolean;
  /** Canonical column to its source; wins over `match_by_name`. */
  readonly columns?: Readonly<Record<string, ColumnSource>>;
  /** Constant diagnosis_code_type / procedure_code_type, so rules know the code system. */
  readonly code_systems?: { readonly diagnosis?: string; readonly procedure?: string };
  readonly where?: RowFilter;
  readonly merge?: Merge;
  readonly unpivot?: Unpivot;
  readonly companions?: readonly Companion[];
  readonly prepare?: PrepareStep;
  /**
   * Canonical columns the layout never carries, for a layout that matches columns by name (or is
   * written by a converter): the rules that judge only them are skipped. A layout that maps its
   * columns needs none: what it does not map, it never carries (`neverCarriedColumns`).
   */
  readonly never_carries?: readonly string[];
}

/**
 * The columns of the table the layout fills (`columns`) that its files never have: those declared,
 * and, unless columns are matched by name, every one its mappings (columns, unpivot slots, code
 * systems) leave out. The lineage columns are not among them: the pipeline fills those.
 */
export function neverCarriedColumns(layout: SourceLayout, columns: readonly CanonicalColumn[]): string[] {
  const declared = layout.never_carries ?? [];
  if (layout.match_by_name) return [...declared];
  const mapped = new Set([
    ...columnSourcesOf(layout).map(([target]) => target),
    ...Object.keys(layout.unpivot?.columns ?? {}),
    ...(layout.unpivot ? ['claim_line_number'] : []),
  ]);
  const lineage = new Set<string>(LINEAGE_COLUMNS);
  return columns.map((c) => c.name).filter((c) => declared.includes(c) || (!mapped.has(c) && !lineage.has(c)));
}

/** The column a source names, and the companion it belongs to (if any). */
export function splitColumnRef(
  ref: string,
  companions: readonly Pick<Companion, 'name'>[] = [],
): { companion?: string; column: string } {
  const dot = ref.indexOf('.');
  if (dot > 0) {
    const prefix = ref.slice(0, dot);
    if (companions.some((c) => c.name === prefix)) return { companion: prefix, column: ref.slice(dot + 1) };
  }
  return { column: ref };
}

/** The column a `ColumnSource` reads, or undefined for a constant. */
export function columnOf(source: ColumnSource): string | undefined {
  if (typeof source === 'string') return source;
  return 'column' in source ? source.column : undefined;
}

/** The canonical columns whose source declares a `number_format`, and that format. */
export function numberFormatsOf(layout: SourceLayout): Map<string, NumberFormat> {
  const formats = new Map<string, NumberFormat>();
  for (const [target, source] of columnSourcesOf(layout)) {
    if (typeof source === 'object' && 'column' in source && source.number_format)
      formats.set(target, source.number_format);
  }
  return formats;
}

/** `layout.columns` with `code_systems` folded in as constants. */
export function columnSourcesOf(layout: SourceLayout): Array<[string, ColumnSource]> {
  const entries: Array<[string, ColumnSource]> = Object.entries(layout.columns ?? {});
  const { diagnosis, procedure } = layout.code_systems ?? {};
  if (diagnosis) entries.push(['diagnosis_code_type', { value: diagnosis }]);
  if (procedure) entries.push(['procedure_code_type', { value: procedure }]);
  return entries;
}
