import type { CanonicalColumn } from '../domain/canonical-model.ts';
import type { CodeSetName } from '../domain/code-sets.ts';
import type { SqlDialect } from '../domain/sql-dialect.ts';
import { type NumberFormat, presentTextOf } from '../domain/value-notation.ts';
import { nullOf, typedValueFrom } from './normalize.ts';

/** A column whose typed value a rule looks up in a reference list. */
interface Lookup {
  readonly column: string;
  /** Its bit in its group's mask of unknown codes. */
  readonly bit: number;
}

/**
 * The lookups of one list whose columns are typed alike (Tuva's 25 diagnosis columns): their
 * texts are typed once, and `check` joins their lines with an unknown code once.
 */
interface Group {
  readonly index: number;
  readonly set: CodeSetName;
  /** The typed code of `_raw`, as the check stage types the columns. */
  readonly typed: string;
  readonly lookups: Lookup[];
}

/** Masks of the lookups that fail are one BIGINT per group. */
const MAX_LOOKUPS_PER_GROUP = 63;

/**
 * The code-set membership tests of a plan, answered set-based so that no stage joins a whole
 * reference list once per code column: each was a join operator over whole rows in the check, and
 * Tuva's 30 over rows of ~450 columns needed 959MB of DuckDB's limit (275MB now), whatever the row count
 * (docs/BENCHMARKS.md).
 * - `unknownCodes`: the distinct source texts of the tested columns whose codes are not in their
 *   lists, each text typed and looked up once;
 * - `unknownCodeLines`: per group, the distinct tuples of the group's texts of the lines holding
 *   an unknown one, with the mask of the lookups that fail, found over the code columns alone;
 * - `check` joins those once per group, not once per column.
 */
export class CodeSetLookups {
  private readonly groups = new Map<string, Group>();
  private readonly lookups = new Map<string, { group: Group; lookup: Lookup }>();

  constructor(
    private readonly sql: SqlDialect,
    private readonly codeSetRelation: (set: CodeSetName) => string,
  ) {}

  get size(): number {
    return this.lookups.size;
  }

  /**
   * TRUE when `value`, the column's typed value in the checked row, is in the list; NULL when it
   * is NULL (a missing code is unknown, and NOT IN means "not in the list").
   */
  test(column: CanonicalColumn, set: CodeSetName, format: NumberFormat | undefined, value: string): string {
    const key = `${set}\u0000${column.name}`;
    const found = this.lookups.get(key) ?? this.add(key, column, set, format);
    const mask = `${this.linesAlias(found.group)}._unknown`;
    // A line that joined no row of its group has no unknown code in it.
    return `(CASE WHEN ${value} IS NULL THEN NULL ELSE COALESCE(${mask} & ${2n ** BigInt(found.lookup.bit)}, 0) = 0 END)`;
  }

  /**
   * (`_group`, `_raw`): the distinct source texts of the tested columns of `mapped` (text columns
   * under their canonical names) whose typed codes are not NULL and not in their list; each text
   * typed once, then one join with the lists.
   */
  unknownCodes(mapped: string): string {
    const lit = this.sql.stringLiteral;
    const groups = [...this.groups.values()];
    // Each column made distinct on its own: a scan of one column and a small hash table each, 8x
    // faster over 1M lines than unpivoting the columns into one stream (docs/BENCHMARKS.md).
    const distinct = groups.flatMap((g) =>
      g.lookups.map(
        (l) =>
          `SELECT ${g.index} AS _group, _raw FROM (SELECT DISTINCT ${this.sql.quoteIdent(l.column)} AS _raw FROM ${mapped}) AS ${this.sql.quoteIdent(`_texts_${l.column}`)}`,
      ),
    );
    const texts = `SELECT DISTINCT _group, _raw FROM (${distinct.join(' UNION ALL ')}) AS column_texts WHERE _raw IS NOT NULL`;
    const byGroup = (of: (g: Group) => string): string =>
      `CASE _group ${groups.map((g) => `WHEN ${g.index} THEN ${of(g)}`).join(' ')} END`;
    const codes = `SELECT _group, _raw, ${byGroup((g) => lit(g.set))} AS code_set, ${byGroup((g) => g.typed)} AS code FROM (${texts}) AS texts`;
    const lists = [...new Set(groups.map((g) => g.set))]
      .map((set) => `SELECT ${lit(set)} AS code_set, code FROM ${this.codeSetRelation(set)}`)
      .join(' UNION ALL ');
    // The lists hold each code once, so the join keeps one row per text.
    return `SELECT codes._group, codes._raw FROM (${codes}) AS codes
LEFT JOIN (${lists}) AS lists ON lists.code_set = codes.code_set AND lists.code = codes.code
WHERE codes.code IS NOT NULL AND lists.code IS NULL`;
  }

  /**
   * Per group, the distinct tuples of the group's texts (`_code_<i>` for the i-th tested column,
   * NULL for the other groups' columns) of the lines of `mapped` holding an unknown code, with
   * `_unknown`, the mask of the group's lookups that fail; `unknownCodes` is the relation holding
   * `unknownCodes()`'s rows. Each group's lookups read only its code columns and keep few lines.
   */
  unknownCodeLines(mapped: string, unknownCodes: string): string {
    const q = this.sql.quoteIdent;
    const columns = this.columns();
    const linesOf = (g: Group): string => {
      const unknownOf = (i: number): string => `(SELECT _raw AS _u${i} FROM ${unknownCodes} WHERE _group = ${g.index})`;
      // Spark allows `IN (SELECT ...)` only in filters: there, a join of each column's unknown texts.
      const found = g.lookups.map((l, i) =>
        this.sql.inSubqueryInSelect ? `${q(l.column)} IN ${unknownOf(i)}` : `_u${i} IS NOT NULL`,
      );
      const joins = this.sql.inSubqueryInSelect
        ? ''
        : g.lookups.map((l, i) => `\nLEFT JOIN ${unknownOf(i)} AS _unknown${i} ON _u${i} = ${q(l.column)}`).join('');
      const mine = new Set(g.lookups.map((l) => l.column));
      const codes = columns.map((c, i) => `${mine.has(c) ? q(c) : nullOf(this.sql, 'text')} AS _code_${i}`);
      return `SELECT DISTINCT * FROM (SELECT ${g.index} AS _group, ${codes.join(', ')}, ${this.sql.flagBits(found)} AS _unknown
FROM ${mapped}${joins}) AS lines WHERE _unknown <> 0`;
    };
    return [...this.groups.values()].map(linesOf).join('\nUNION ALL\n');
  }

  /**
   * `check`'s joins of `unknownCodeLines()`'s rows (in the relation `lines`) to its rows, whose
   * source texts `text` names: one per group, on the group's columns.
   */
  joinLines(lines: string, text: (column: string) => string): string {
    const columns = this.columns();
    return [...this.groups.values()]
      .map((g) => {
        const alias = this.linesAlias(g);
        const on = [...new Set(g.lookups.map((l) => l.column))].map(
          (c) => `${alias}._code_${columns.indexOf(c)} IS NOT DISTINCT FROM ${text(c)}`,
        );
        return `\nLEFT JOIN (SELECT * FROM ${lines} WHERE _group = ${g.index}) AS ${alias} ON ${on.join(' AND ')}`;
      })
      .join('');
  }

  private add(
    key: string,
    column: CanonicalColumn,
    set: CodeSetName,
    format: NumberFormat | undefined,
  ): { group: Group; lookup: Lookup } {
    const typed = typedValueFrom(this.sql, column, presentTextOf(this.sql, '_raw'), format);
    const groupKey = `${set}\u0000${typed}`;
    const group = this.groups.get(groupKey) ?? { index: this.groups.size, set, typed, lookups: [] };
    this.groups.set(groupKey, group);
    if (group.lookups.length === MAX_LOOKUPS_PER_GROUP) {
      throw new Error(`at most ${MAX_LOOKUPS_PER_GROUP} columns per reference list`);
    }
    const lookup = { column: column.name, bit: group.lookups.length };
    group.lookups.push(lookup);
    this.lookups.set(key, { group, lookup });
    return { group, lookup };
  }

  private linesAlias(group: Group): string {
    return `_unknown_codes_${group.index}`;
  }

  /** The tested columns, each once. */
  private columns(): string[] {
    return [...new Set([...this.groups.values()].flatMap((g) => g.lookups.map((l) => l.column)))];
  }
}
