import { normalizeHeaderName } from '../domain/canonical-model.ts';
import { LayoutColumnsError } from '../domain/profiles/layout-columns-error.ts';
import {
  type ColumnSource,
  type Companion,
  columnOf,
  columnSourcesOf,
  type DateFormat,
  numberFormatsOf,
  type SourceLayout,
  splitColumnRef,
} from '../domain/profiles/source-profile.ts';
import type { SqlDialect } from '../domain/sql-dialect.ts';
import { tableOfLayout } from '../domain/tables/layout-table.ts';
import { findTableColumn, type TableDescriptor } from '../domain/tables/table-descriptor.ts';
import { BLANK_CHARACTERS, decimalOf, integerOf, type NumberFormat, presentTextOf } from '../domain/value-notation.ts';
import type { ColumnMapping } from './compile-plan.ts';
import { mapSourceColumns } from './map-columns.ts';
import { AMOUNT_TYPE } from './normalize.ts';
import { positionalColumn, positionalColumnOf, positionalColumns } from './source-columns.ts';

/** Columns every ingested relation carries besides the source's: row number, raw text of a bad record, its error. */
const ROW_COLUMNS = ['_row_number', '_raw_line', '_ingest_error'] as const;

/** The file's columns as ingested. */
export interface SourceColumns {
  /** Names as in the file (CSV header or JSON keys). */
  readonly names: readonly string[];
  /** SQL giving a column's text from the ingested rows, which are aliased `src`. */
  readonly expr: (name: string) => string;
}

/** A companion file loaded for the join: one row per key. */
export interface LoadedCompanion {
  readonly companion: Companion;
  /** A relation with `_cf_key` and the companion's columns, `columns[i]` as `positionalColumn(i)` (`companionTable`). */
  readonly relation: string;
  /** The companion columns it holds (names as in the companion file). */
  readonly columns: readonly string[];
}

export interface CompiledLayout {
  /** Canonical columns and the SQL giving their text over `from()`. */
  readonly mappings: readonly ColumnMapping[];
  /** Source columns with no canonical home, kept in extra_columns. */
  readonly extras: ReadonlyArray<{ readonly name: string; readonly sourceExpr: string }>;
  readonly unknownColumns: readonly string[];
  /** Canonical columns whose source writes decimals otherwise than with a point, and how. */
  readonly numberFormats: ReadonlyMap<string, NumberFormat>;
  /** Rows are filtered, merged or unpivoted: the relation is worth computing once. */
  readonly reshapes: boolean;
  /** The FROM clause the map stage reads, given the ingested rows (a parenthesised relation). */
  from(rows: string): string;
}

/**
 * Compiles a layout into SQL over the ingested text rows. Every step is set-based: a filter,
 * windows over a claim's segments, a cross join with the slot numbers, left joins with the
 * companions. A column the layout names but the file lacks is simply absent (the role's
 * required columns are checked by the caller); structural columns (merge key, filter) must exist.
 */
export function compileLayout(
  layout: SourceLayout,
  source: SourceColumns,
  companions: readonly LoadedCompanion[],
  sql: SqlDialect,
  fileName: string,
): CompiledLayout {
  return new LayoutCompiler(layout, source, companions, sql, fileName).compile();
}

/** The companion columns a layout reads (its column sources and the keys of later companions). */
export function companionColumnsOf(layout: SourceLayout, companion: string): string[] {
  const refs = [...columnSourcesOf(layout).map(([, s]) => columnOf(s)), ...(layout.companions ?? []).map((c) => c.on)];
  const columns = refs
    .filter((r): r is string => r !== undefined)
    .map((r) => splitColumnRef(r, layout.companions))
    .filter((r) => r.companion === companion)
    .map((r) => r.column);
  return [...new Set(columns)];
}

/**
 * One row per key of a companion's rows: the smallest text of each column (eligibility has a row
 * per span), `columns[i]` as `positionalColumn(i)`, so no companion header meets `_cf_key` or another.
 */
export function companionTable(key: string, columns: readonly string[], rows: string, sql: SqlDialect): string {
  const q = sql.quoteIdent;
  const keyExpr = presentTextOf(sql, q(key));
  const values = columns.map((c, i) => `, MIN(${q(c)}) AS ${q(positionalColumn(i))}`).join('');
  return `SELECT ${keyExpr} AS _cf_key${values} FROM ${rows} AS companion_rows WHERE ${keyExpr} IS NOT NULL GROUP BY ${keyExpr}`;
}

/**
 * Inside the compiler a main column is named by its column in the reshaped rows: a source column
 * by its position (`positionalColumn`), whatever its header says, and a column a prepare step adds
 * by its own name. So no header meets a column the steps add (`_cf_slot`, `_row_number`, a prepared
 * `_copay`), and `payer` beside `Payer` are two columns.
 */
class LayoutCompiler {
  private readonly q: (name: string) => string;
  /** The first source column of each normalised header name. */
  private readonly byNormalized = new Map<string, string>();
  /** Each source column's name in the file, by its column. */
  private readonly sourceNames = new Map<string, string>();
  private readonly prepared: ReadonlySet<string>;
  private readonly companionColumns = new Map<string, Map<string, string>>();
  private readonly reshapes: boolean;
  /** Main columns the mappings read; the other source columns become extras. */
  private readonly used = new Set<string>();
  private readonly firstLineOnly: boolean;
  /** The table the layout fills: which targets are its columns (others are kept in extra_columns). */
  private readonly table: TableDescriptor;

  constructor(
    private readonly layout: SourceLayout,
    private readonly source: SourceColumns,
    private readonly companions: readonly LoadedCompanion[],
    private readonly sql: SqlDialect,
    private readonly fileName: string,
  ) {
    this.q = sql.quoteIdent;
    this.table = tableOfLayout(layout);
    for (const [name, column] of positionalColumns(source.names)) {
      this.sourceNames.set(column, name);
      const key = normalizeHeaderName(name);
      if (!this.byNormalized.has(key)) this.byNormalized.set(key, column);
    }
    this.prepared = new Set(layout.prepare?.columns ?? []);
    const clash = [...this.prepared].find((c) => this.sourceNames.has(c));
    if (clash) throw new Error(`layout ${layout.id} prepares a column named like a source column's position: ${clash}`);
    for (const loaded of companions) {
      const columns = loaded.columns.map((c, i): [string, string] => [normalizeHeaderName(c), positionalColumn(i)]);
      this.companionColumns.set(loaded.companion.name, new Map(columns));
    }
    this.reshapes = Boolean(layout.prepare || layout.where || layout.merge || layout.unpivot);
    this.firstLineOnly = columnSourcesOf(layout).some(
      ([, s]) => typeof s === 'object' && 'column' in s && s.first_line_only === true,
    );
  }

  compile(): CompiledLayout {
    this.requireStructuralColumns();
    const mappings = this.mappings();
    const slotExtras = Object.entries(this.layout.unpivot?.columns ?? {})
      .filter(([target]) => !findTableColumn(this.table, target))
      .flatMap(([target, template]) => {
        const expr = this.slotValue(template);
        return expr ? [{ name: target, sourceExpr: expr }] : [];
      });
    // Companion keys read main columns too.
    for (const { companion } of this.companions) this.columnRef(companion.on);
    const extras = [...this.sourceNames]
      .filter(([column]) => !this.used.has(column))
      .map(([column, name]) => ({ name, sourceExpr: this.mainColumn(column) }));
    return {
      mappings,
      extras: [...slotExtras, ...extras],
      unknownColumns: extras.map((e) => e.name),
      numberFormats: numberFormatsOf(this.layout),
      reshapes: this.reshapes,
      from: (rows) => `${this.reshaped(rows)} AS src${this.joins()}`,
    };
  }

  private requireStructuralColumns(): void {
    const { where, merge } = this.layout;
    const structural = [where?.column, merge?.key, merge?.segment].filter((c): c is string => c !== undefined);
    const missing = structural.filter((c) => !this.resolveMain(c));
    const required = (this.layout.companions ?? []).filter((c) => c.required).map((c) => c.name);
    const absent = required.filter((name) => !this.companions.some((l) => l.companion.name === name));
    if (missing.length + absent.length > 0) {
      throw new LayoutColumnsError(this.layout.id, [...missing, ...absent.map((name) => `${name} (companion file)`)]);
    }
  }

  /** By name first, then unpivot slots, then the explicit columns, each winning over the one before. */
  private mappings(): ColumnMapping[] {
    const byCanonical = new Map<string, string>();
    /** The source column a by-name mapping reads, until a later mapping replaces it. */
    const byName = new Map<string, string>();
    if (this.layout.match_by_name) {
      const columns = positionalColumns(this.source.names);
      for (const { canonical, sourceExpr: name } of mapSourceColumns(this.source.names, (n) => n, this.table.columns)
        .mappings) {
        const column = positionalColumnOf(columns, name);
        byCanonical.set(canonical, this.mainColumn(column));
        byName.set(canonical, column);
      }
    }
    const set = (canonical: string, expr: string): void => {
      byCanonical.set(canonical, expr);
      byName.delete(canonical);
    };
    const { unpivot } = this.layout;
    if (unpivot) {
      for (const [target, template] of Object.entries(unpivot.columns)) {
        const expr = this.slotValue(template);
        if (findTableColumn(this.table, target) && expr) set(target, expr);
      }
      set('claim_line_number', `CAST(src._cf_line AS ${this.sql.textType})`);
    }
    for (const [target, columnSource] of columnSourcesOf(this.layout)) {
      const expr = this.valueOf(columnSource);
      if (expr) set(target, expr);
    }
    for (const column of byName.values()) this.used.add(column);
    return [...byCanonical].map(([canonical, sourceExpr]) => ({ canonical, sourceExpr }));
  }

  /** The SQL of a column source, or undefined when the column it reads is absent. */
  private valueOf(columnSource: ColumnSource): string | undefined {
    if (typeof columnSource === 'object' && 'value' in columnSource) return this.sql.stringLiteral(columnSource.value);
    const spec = typeof columnSource === 'string' ? { column: columnSource } : columnSource;
    let expr = this.columnRef(spec.column);
    if (!expr) return undefined;
    if (spec.values) expr = this.replaced(expr, spec.values);
    if (spec.date_format) expr = reformatDate(this.sql, expr, spec.date_format);
    if (spec.first_line_only && this.hasLines()) expr = `CASE WHEN src._cf_first_line THEN ${expr} END`;
    return expr;
  }

  /** Whether a claim can become several lines (without an unpivot, a merged claim keeps one row). */
  private hasLines(): boolean {
    return Boolean(this.layout.unpivot);
  }

  private columnRef(ref: string): string | undefined {
    const { companion, column } = splitColumnRef(ref, this.layout.companions);
    if (!companion) {
      const main = this.resolveMain(column);
      if (main) this.used.add(main);
      return main === undefined ? undefined : this.mainColumn(main);
    }
    const name = this.companionColumns.get(companion)?.get(normalizeHeaderName(column));
    return name === undefined ? undefined : `${this.q(`c_${companion}`)}.${this.q(name)}`;
  }

  /** The main column a layout's column name refers to: a prepared one by its name, else a source one as header names match. */
  private resolveMain(column: string): string | undefined {
    return this.prepared.has(column) ? column : this.byNormalized.get(normalizeHeaderName(column));
  }

  /** A main column in the final relation. */
  private mainColumn(column: string): string {
    if (this.reshapes) return `src.${this.q(column)}`;
    return this.source.expr(this.sourceNames.get(column) ?? column);
  }

  /** The source column a prepare step reads by its name in the file (matched as header names are). */
  private prepareColumn(name: string): string {
    const column = this.byNormalized.get(normalizeHeaderName(name));
    if (column === undefined) throw new LayoutColumnsError(this.layout.id, [name]);
    return this.q(column);
  }

  /** The slot's column in each row, or undefined when no slot column exists. */
  private slotValue(template: string): string | undefined {
    const branches = this.slotColumns(template).map(([slot, name]) => `WHEN ${slot} THEN src.${this.q(name)}`);
    return branches.length === 0 ? undefined : `CASE src._cf_slot ${branches.join(' ')} END`;
  }

  /** The existing main column of each slot of a template, marking them used. */
  private slotColumns(template: string): Array<[number, string]> {
    const slots = this.layout.unpivot?.slots ?? 0;
    return Array.from({ length: slots }, (_, i) => i + 1).flatMap((slot): Array<[number, string]> => {
      const column = this.resolveMain(template.replaceAll('{n}', String(slot)));
      if (!column) return [];
      this.used.add(column);
      return [[slot, column]];
    });
  }

  private replaced(expr: string, values: Readonly<Record<string, string | null>>): string {
    const lit = this.sql.stringLiteral;
    const branches = Object.entries(values).map(
      ([from, to]) => `WHEN ${lit(from)} THEN ${to === null ? 'NULL' : lit(to)}`,
    );
    return branches.length === 0 ? expr : `CASE TRIM(${expr}) ${branches.join(' ')} ELSE ${expr} END`;
  }

  /** The ingested rows through prepare, filter, merge, unpivot and first-line marking. */
  private reshaped(rows: string): string {
    if (!this.reshapes) return rows;
    const q = this.q;
    const projected = [
      ...ROW_COLUMNS.map((c) => `src.${c}`),
      ...[...this.sourceNames].map(([column, name]) => `${this.source.expr(name)} AS ${q(column)}`),
    ];
    let relation = `(SELECT ${projected.join(', ')} FROM ${rows} AS src)`;
    const { prepare, where, merge, unpivot } = this.layout;
    if (prepare) {
      relation = prepare.sql(relation, this.sql, (column) => this.prepareColumn(column), this.fileName);
    }
    if (where) {
      const column = q(this.resolveMain(where.column) ?? where.column);
      const values = where.in.map((v) => this.sql.stringLiteral(v)).join(', ');
      relation = `(SELECT * FROM ${relation} AS filtered WHERE TRIM(${column}) IN (${values}) OR _ingest_error IS NOT NULL)`;
    }
    if (merge) relation = this.merged(relation);
    if (unpivot) relation = this.unpivoted(relation);
    else if (merge) relation = `(SELECT * FROM ${relation} AS merged WHERE _cf_first_segment)`;
    if (this.firstLineOnly && this.hasLines()) {
      relation = `(SELECT *, _cf_line = MIN(_cf_line) OVER (PARTITION BY ${this.claimPartition()}) AS _cf_first_line FROM ${relation} AS lined)`;
    }
    return relation;
  }

  /** A claim's rows: those sharing the merge key; a row without one (or without a merge) is a claim alone. */
  private claimPartition(): string {
    const key = this.layout.merge && this.resolveMain(this.layout.merge.key);
    if (!key) return '_row_number';
    const trimmed = presentTextOf(this.sql, this.q(key));
    return `${trimmed}, CASE WHEN ${trimmed} IS NULL THEN _row_number END`;
  }

  /** Windows over each claim's segments: mapped columns from the first segment, sums over all. */
  private merged(rows: string): string {
    const merge = this.layout.merge;
    if (!merge) return rows;
    const q = this.q;
    const claim = `PARTITION BY ${this.claimPartition()}`;
    const segment = integerOf(this.sql, presentTextOf(this.sql, q(this.resolveMain(merge.segment) ?? merge.segment)));
    const sums = new Set((merge.sum ?? []).map((c) => this.resolveMain(c)).filter((c) => c !== undefined));
    const slotted = new Set(
      Object.values(this.layout.unpivot?.columns ?? {}).flatMap((t) => this.slotColumns(t).map(([, n]) => n)),
    );
    const key = this.resolveMain(merge.key);
    const columns = [...this.sourceNames.keys(), ...this.prepared].map((name) => {
      const column = q(name);
      if (sums.has(name)) return `${this.summed(column, claim)} AS ${column}`;
      if (name === key || slotted.has(name) || !this.used.has(name)) return column;
      return `FIRST_VALUE(${column}) OVER (${claim} ORDER BY ${segment} ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS ${column}`;
    });
    const filled = this.layout.unpivot
      ? `, MAX(CASE WHEN ${this.anyFilled()} THEN 1 ELSE 0 END) OVER (${claim}) AS _cf_claim_filled`
      : '';
    return `(SELECT ${ROW_COLUMNS.join(', ')}, ${columns.join(', ')},
  COALESCE(${segment}, 1) AS _cf_segment, COALESCE(${segment} = MIN(${segment}) OVER (${claim}), TRUE) AS _cf_first_segment${filled}
FROM ${rows} AS segments)`;
  }

  /**
   * The text of an amount summed over a claim's segments. A segment whose text is not an amount
   * leaves its own text in place of the sum, so `invalid_amount` reports the claim instead of a
   * total that silently lacks it.
   */
  private summed(column: string, claim: string): string {
    const text = presentTextOf(this.sql, column);
    const amount = decimalOf(this.sql, text, { ...AMOUNT_TYPE, currency: true });
    const unreadable = `CASE WHEN ${text} IS NOT NULL AND ${amount} IS NULL THEN ${column} END`;
    return `COALESCE(MIN(${unreadable}) OVER (${claim}), CAST(SUM(${amount}) OVER (${claim}) AS ${this.sql.textType}))`;
  }

  /** TRUE when any slot of the row is filled. */
  private anyFilled(): string {
    const unpivot = this.layout.unpivot;
    const template = unpivot?.columns[unpivot.filled];
    const names = template ? this.slotColumns(template).map(([, n]) => presentTextOf(this.sql, this.q(n))) : [];
    return names.length === 0 ? 'FALSE' : `COALESCE(${names.join(', ')}) IS NOT NULL`;
  }

  /** One row per filled slot; a claim with none keeps one line (slot 1 of its first segment). */
  private unpivoted(rows: string): string {
    const unpivot = this.layout.unpivot;
    if (!unpivot) return rows;
    const slots = Array.from({ length: unpivot.slots }, (_, i) => `(${i + 1})`).join(', ');
    const template = unpivot.columns[unpivot.filled] ?? '';
    const branches = this.slotColumns(template).map(([slot, name]) => `WHEN ${slot} THEN ${this.q(name)}`);
    const filled =
      branches.length === 0
        ? 'FALSE'
        : `${presentTextOf(this.sql, `CASE _cf_slot ${branches.join(' ')} END`)} IS NOT NULL`;
    const merged = Boolean(this.layout.merge);
    const claimFilled = merged ? '_cf_claim_filled = 1' : this.anyFilled();
    const firstSegment = merged ? ' AND _cf_first_segment' : '';
    const line = merged ? `(_cf_segment - 1) * ${unpivot.slots} + _cf_slot` : '_cf_slot';
    return `(SELECT *, ${line} AS _cf_line FROM ${rows} AS claims CROSS JOIN (VALUES ${slots}) AS slot_numbers(_cf_slot)
  WHERE ${filled} OR (_cf_slot = 1 AND NOT (${claimFilled})${firstSegment}))`;
  }

  private joins(): string {
    return this.companions
      .map(({ companion, relation }) => {
        const on = this.columnRef(companion.on) ?? 'NULL';
        return `\nLEFT JOIN ${relation} AS ${this.q(`c_${companion.name}`)} ON ${this.q(`c_${companion.name}`)}._cf_key = ${presentTextOf(this.sql, on)}`;
      })
      .join('');
  }
}

/**
 * Rewrites a date layout the normalise stage does not read into YYYY-MM-DD; other text is left
 * for the rules. Day and month may have one or two digits where the layout has separators, so
 * a day-first `3/10/2025` is 3 October, never left for the normalise stage to read month first.
 */
function reformatDate(sql: SqlDialect, text: string, format: DateFormat): string {
  const trimmed = sql.trimChars(text, BLANK_CHARACTERS);
  const part = (start: number, length: number): string => `SUBSTRING(${trimmed}, ${start}, ${length})`;
  const field = (separator: string, n: number): string =>
    `split_part(${trimmed}, ${sql.stringLiteral(separator)}, ${n})`;
  const padded = (separator: string, n: number): string => `lpad(${field(separator, n)}, 2, '0')`;
  const iso = (year: string, month: string, day: string): string => `${year} || '-' || ${month} || '-' || ${day}`;
  const [pattern, rewritten] = ((): [string, string] => {
    switch (format) {
      case 'DD/MM/YYYY':
        return ['[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}', iso(field('/', 3), padded('/', 2), padded('/', 1))];
      case 'DD.MM.YYYY':
        return ['[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{4}', iso(field('.', 3), padded('.', 2), padded('.', 1))];
      case 'YYYY/MM/DD':
        return ['[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}', iso(field('/', 1), padded('/', 2), padded('/', 3))];
      case 'MMDDYYYY':
        return ['[0-9]{8}', iso(part(5, 4), part(1, 2), part(3, 2))];
      case 'DDMMYYYY':
        return ['[0-9]{8}', iso(part(5, 4), part(3, 2), part(1, 2))];
      case 'timestamp':
        return ['[0-9]{4}-[0-9]{2}-[0-9]{2}[T ].*', part(1, 10)];
    }
  })();
  return `CASE WHEN ${sql.fullMatch(trimmed, pattern)} THEN ${rewritten} ELSE ${text} END`;
}
