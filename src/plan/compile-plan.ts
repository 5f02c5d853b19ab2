import type { CanonicalColumn } from '../domain/canonical-model.ts';
import type { CodeSetName } from '../domain/code-sets.ts';
import type { RowRule, RuleContext, RuleDimension, RuleThresholds } from '../domain/rule.ts';
import { CONFLICTING_DUPLICATE_KEY } from '../domain/rule-catalog.ts';
import type { SqlDialect } from '../domain/sql-dialect.ts';
import { findTableColumn, type TableDescriptor } from '../domain/tables/table-descriptor.ts';
import { MEDICAL_CLAIM_TABLE } from '../domain/tables/tables.ts';
import { type NumberFormat, presentTextOf } from '../domain/value-notation.ts';
import { CodeSetLookups } from './code-set-lookups.ts';
import { nullOf, trimmedTextOf, typedValueFrom, typedValueOf } from './normalize.ts';

/** Columns the pipeline adds to every row besides the canonical ones. */
export const ROW_NUMBER = 'source_row_number';
export const JOB_ID = 'job_id';
export const EXTRA_COLUMNS = 'extra_columns';
export const INGEST_ERROR = '_ingest_error';
export const DQ_ERRORS = 'dq_errors';
export const DQ_WARNINGS = 'dq_warnings';
/** Failing rows listed per rule in the report, whichever engine counts them. */
export const SAMPLES_PER_RULE = 20;
/** The checked rows carry the failed rules as bit masks; the id lists are built only for the rows written out. */
const ERROR_BITS = '_error_bits';
const WARNING_BITS = '_warning_bits';
/**
 * A quarantined row's source text, as one JSON object of its columns: NULL for the valid rows, it
 * costs one column of the checked file instead of one per source column, mostly NULL, each of
 * which the Parquet writer pays for on every row.
 */
const SOURCE_TEXT = '_source_text';

/** Lineage values replace whatever the source carried in these canonical columns. */
const LINEAGE_OVERRIDES = new Set(['file_name', 'ingest_datetime']);

export interface Lineage {
  readonly jobId: string;
  readonly fileName: string;
  readonly ingestDatetime: string;
  /** Used when the row carries no data_source of its own. */
  readonly dataSource: string;
}

export interface PlanSettings {
  /** The rules to run, with their effective actions; rules needing absent reference data are left out. */
  readonly rules: readonly RowRule[];
  /** ISO date: later dates are out of range. */
  readonly runDate: string;
  readonly thresholds: RuleThresholds;
  /** The relation holding a reference list's codes in a column named `code`. */
  readonly codeSetRelation: (set: CodeSetName) => string;
  /**
   * Which canonical columns the published claims carry: `populated`, those the file has (readers
   * add the rest, see withCanonicalLayout); `canonical`, all of them, for a reader that matches
   * columns by position (Redshift's COPY from Parquet). The config's `published_layout`.
   */
  readonly publishedLayout: PublishedLayout;
}

export type PublishedLayout = 'populated' | 'canonical';

export interface ColumnMapping {
  /** Identifier or expression in the ingested relation giving the column's text. */
  readonly sourceExpr: string;
  readonly canonical: string;
}

export interface MapInput {
  readonly mappings: readonly ColumnMapping[];
  /** Source columns with no canonical home, kept as a JSON object of their text. */
  readonly extras: ReadonlyArray<{ readonly name: string; readonly sourceExpr: string }>;
  readonly lineage: Lineage;
  /** Expression giving the 1-based row number and the ingest error (if any) in the source relation. */
  readonly rowNumberExpr: string;
  readonly ingestErrorExpr: string;
  /** Source text of a record that could not be split into columns, kept in extra_columns. */
  readonly rawLineExpr: string;
}

/**
 * One of `of` disjoint slices of the keys by their hash: a GROUP BY run slice by slice holds only
 * a slice of its groups at a time, so its memory stops growing with the file.
 */
export interface HashSlice {
  readonly of: number;
  readonly index: number;
}

interface CompiledRule {
  readonly id: string;
  readonly predicate: string;
}

/** The relations `check` reads beside the mapped rows. */
export interface CheckLookups {
  /** The relation holding `claimStats()`'s rows, when that is not NULL. */
  readonly claimStats?: string;
  /** The relation holding `unknownCodeLines()`'s rows, when the rules look codes up. */
  readonly unknownCodeLines?: string;
}

/** Canonical columns the pipeline fills itself, so they are present in every file. */
const PIPELINE_SET = ['file_name', 'ingest_datetime', 'data_source'];

/**
 * The staged SQL plan of one file, as SELECT statements over named relations. It knows
 * which canonical columns the file has: an absent column is a typed NULL constant, so
 * rules over it fold away instead of being evaluated on every row.
 */
export class StagePlan {
  private readonly rules: readonly RowRule[];
  private readonly present: ReadonlySet<string>;
  /** Filled while compiling the rules: what they read, so each is computed once per row. */
  private readonly claimLevel = new Set<string>();
  private readonly codeSetLookups: CodeSetLookups;
  private compiled: { errors: CompiledRule[]; warnings: CompiledRule[] } | null = null;
  private readonly dimensionOf: ReadonlyMap<string, RuleDimension>;

  /**
   * `numberFormats`: how the source writes the decimals of a canonical column, where it is not
   * the default decimal point (a profile's `number_format`).
   */
  constructor(
    private readonly sql: SqlDialect,
    private readonly settings: PlanSettings,
    presentColumns: Iterable<string>,
    private readonly numberFormats: ReadonlyMap<string, NumberFormat> = new Map(),
    /** The table the file fills: its columns, rules' columns, dedupe key, partition date and enrichments. */
    readonly table: TableDescriptor = MEDICAL_CLAIM_TABLE,
  ) {
    this.rules = settings.rules;
    this.dimensionOf = new Map(settings.rules.map((r) => [r.id, r.dimension]));
    this.present = new Set([...presentColumns, ...PIPELINE_SET]);
    this.codeSetLookups = new CodeSetLookups(sql, settings.codeSetRelation);
  }

  /** map: the file's columns onto the canonical model, plus lineage. */
  map(input: MapInput, source: string): string {
    const q = this.sql.quoteIdent;
    const lit = this.sql.stringLiteral;
    const text = (expr: string): string => `CAST(${expr} AS ${this.sql.textType})`;
    const bySource = new Map(input.mappings.map((m) => [m.canonical, m.sourceExpr]));
    const columns = this.presentColumns().map((c) => {
      if (c.name === 'file_name') return `${lit(input.lineage.fileName)} AS ${q(c.name)}`;
      if (c.name === 'ingest_datetime') return `${lit(input.lineage.ingestDatetime)} AS ${q(c.name)}`;
      const expr = bySource.get(c.name);
      if (c.name === 'data_source') {
        const fallback = lit(input.lineage.dataSource);
        return `${expr ? `COALESCE(${presentTextOf(this.sql, text(expr))}, ${fallback})` : fallback} AS ${q(c.name)}`;
      }
      return `${text(expr ?? 'NULL')} AS ${q(c.name)}`;
    });
    const named =
      input.extras.length === 0
        ? text('NULL')
        : this.sql.jsonObject(input.extras.map((e) => [e.name, text(e.sourceExpr)] as const));
    const rawLine = this.sql.jsonObject([['source_line', text(input.rawLineExpr)]]);
    const extras = `CASE WHEN ${input.rawLineExpr} IS NOT NULL THEN ${rawLine} ELSE ${named} END`;
    return `SELECT ${[
      ...columns,
      `${lit(input.lineage.jobId)} AS ${q(JOB_ID)}`,
      `CAST(${input.rowNumberExpr} AS BIGINT) AS ${q(ROW_NUMBER)}`,
      `${extras} AS ${q(EXTRA_COLUMNS)}`,
      `${text(input.ingestErrorExpr)} AS ${q(INGEST_ERROR)}`,
    ].join(',\n  ')}\nFROM ${source}`;
  }

  /**
   * Claim-level facts for the claim-level rules, one row per claim whose lines disagree
   * (NULL when no rule needs them). Run on its own over the few columns it reads, then
   * joined into `check` as a small table.
   */
  claimStats(mapped: string, slice?: HashSlice): string | null {
    this.compileRules();
    if (this.claimLevel.size === 0) return null;
    const q = this.sql.quoteIdent;
    // Groups and compares 64-bit hashes, not the text: the state per claim stays a few words,
    // so memory follows the number of claims far less steeply (a 50M-line file has ~20M).
    const claim = this.sql.hashValues([typedValueOf(this.sql, this.column('claim_id'))]);
    const hashed = (c: string): string => {
      const value = typedValueOf(this.sql, this.column(c));
      return `CASE WHEN ${value} IS NOT NULL THEN ${this.sql.hashValues([value])} END`;
    };
    const varies = (c: string): string => `MIN(${hashed(c)}) <> MAX(${hashed(c)})`;
    const sliced = slice ? ` AND ${this.sql.hashSlice(claim, slice.of, slice.index)}` : '';
    return `SELECT ${claim} AS _claim, ${[...this.claimLevel].map((c) => `${varies(c)} AS ${q(`_varies_${c}`)}`).join(', ')}
FROM ${mapped} WHERE ${typedValueOf(this.sql, this.column('claim_id'))} IS NOT NULL${sliced} GROUP BY ${claim}
HAVING ${[...this.claimLevel].map(varies).join(' OR ')}`;
  }

  /**
   * The distinct texts of the columns the code-set rules test whose codes are not in their
   * reference lists (NULL when no such rule has a column to test). Run on its own, then read by
   * `unknownCodeLines`: each distinct text is looked up once, not once per row (CodeSetLookups).
   */
  unknownCodes(mapped: string): string | null {
    this.compileRules();
    return this.codeSetLookups.size === 0 ? null : this.codeSetLookups.unknownCodes(mapped);
  }

  /**
   * The code columns of the lines with an unknown code, each distinct tuple once with the mask of
   * its failed lookups, from `unknownCodes`, the relation holding `unknownCodes()`'s rows; joined
   * into `check` as one small table.
   */
  unknownCodeLines(mapped: string, unknownCodes: string): string {
    return this.codeSetLookups.unknownCodeLines(mapped, unknownCodes);
  }

  /**
   * check: every row rule as a predicate; each rule sets one bit of the row's error or warning
   * mask, by action (`failures` turns the masks into rule ids). A mask is one number per row:
   * cheaper to write and read back than a list, and most rows have no bit set.
   */
  check(mapped: string, { claimStats, unknownCodeLines }: CheckLookups = {}): string {
    const { errors, warnings } = this.compileRules();
    const q = this.sql.quoteIdent;
    const errorBits = this.sql.flagBits(errors.map((r) => r.predicate));
    const warningBits = this.sql.flagBits(warnings.map((r) => r.predicate));
    // Every present column is trimmed and parsed once, here, in two projections (typing reads
    // the text several times): its text, NULL when it only looks present, which the text rules
    // read; then its typed value, which the value rules and later stages read.
    const columns = this.presentColumns();
    const texts = columns.map((c) => `${trimmedTextOf(this.sql, c.name)} AS ${q(`_t_${c.name}`)}`);
    const normalized = columns.map(
      (c) =>
        `${typedValueFrom(this.sql, c, q(`_t_${c.name}`), this.numberFormats.get(c.name))} AS ${q(`_v_${c.name}`)}`,
    );
    // The source text is kept for quarantined rows only: later stages read the typed values.
    const sourceText = this.sql.jsonObject(columns.map((c) => [c.name, q(c.name)] as const));
    const inner = [...this.presentColumns().map((c) => c.name), ...this.checkedColumns(), INGEST_ERROR]
      .filter((c) => c !== ERROR_BITS && c !== WARNING_BITS)
      .map((c) => `normalized.${q(c)}`);
    const outer = [
      `CASE WHEN ${ERROR_BITS} <> 0 THEN ${sourceText} END AS ${SOURCE_TEXT}`,
      ...this.checkedColumns().map(q),
    ];
    const step = (rows: string, exprs: readonly string[], alias: string): string =>
      `(SELECT *${exprs.map((e) => `, ${e}`).join('')} FROM ${rows}) AS ${alias}`;
    const normalizedRows = step(step(mapped, texts, 'texts'), normalized, 'normalized');
    if (this.claimLevel.size > 0 && !claimStats) throw new Error('check needs the claim stats relation');
    if (this.codeSetLookups.size > 0 && !unknownCodeLines) throw new Error('check needs the unknown code lines');
    const statsJoin = claimStats
      ? `\nLEFT JOIN ${claimStats} AS claim_stats ON claim_stats._claim = ${this.sql.hashValues([`normalized.${q('_v_claim_id')}`])}`
      : '';
    const linesJoin = unknownCodeLines
      ? this.codeSetLookups.joinLines(unknownCodeLines, (c) => `normalized.${q(c)}`)
      : '';
    return `SELECT ${outer.join(', ')} FROM (SELECT ${inner.join(', ')}, ${errorBits} AS ${ERROR_BITS}, ${warningBits} AS ${WARNING_BITS}
FROM ${normalizedRows}${statsJoin}${linesJoin}) AS checked_rows`;
  }

  /** The rule ids a checked row failed, as lists, by action. */
  private failedRuleIds(): { errors: string; warnings: string } {
    const { errors, warnings } = this.compileRules();
    const idsOf = (bits: string, rules: readonly CompiledRule[]): string =>
      this.sql.namesOfFlags(
        bits,
        rules.map((r) => this.sql.stringLiteral(r.id)),
      );
    return { errors: idsOf(ERROR_BITS, errors), warnings: idsOf(WARNING_BITS, warnings) };
  }

  /** The checked rows that failed any rule: their row number and the ids of the rules, by action. */
  failures(checked: string): string {
    const q = this.sql.quoteIdent;
    const ids = this.failedRuleIds();
    return `SELECT ${q(ROW_NUMBER)}, ${ids.errors} AS ${q(DQ_ERRORS)}, ${ids.warnings} AS ${q(DQ_WARNINGS)} FROM ${checked} WHERE ${ERROR_BITS} <> 0 OR ${WARNING_BITS} <> 0`;
  }

  /** Each rule's failure predicate, guarded for malformed rows, split by whether it quarantines; compiled once. */
  private compileRules(): { errors: CompiledRule[]; warnings: CompiledRule[] } {
    if (this.compiled) return this.compiled;
    const ctx = this.ruleContext();
    const compile = (r: RowRule): CompiledRule => {
      const guard = r.judgesMalformedRows ? '' : `NOT ${ctx.malformed} AND `;
      return { id: r.id, predicate: `${guard}(${r.failsWhen(ctx)})` };
    };
    // halt rules quarantine the row too; the pipeline then rejects the whole file.
    this.compiled = {
      errors: this.rules.filter((r) => r.action !== 'warn').map(compile),
      warnings: this.rules.filter((r) => r.action === 'warn').map(compile),
    };
    return this.compiled;
  }

  /** route (quarantine side): rejected rows with their source text, lineage and reasons. */
  quarantine(checked: string): string {
    const q = this.sql.quoteIdent;
    const present = this.presentColumns().map((c) => c.name);
    const columns = [
      ...this.table.columns.map(
        (c) => `${this.present.has(c.name) ? `_source.${q(c.name)}` : nullOf(this.sql, 'text')} AS ${q(c.name)}`,
      ),
      ...[JOB_ID, ROW_NUMBER, EXTRA_COLUMNS].map(q),
      `${this.failedRuleIds().errors} AS ${q(DQ_ERRORS)}`,
      `${this.failedRuleIds().warnings} AS ${q(DQ_WARNINGS)}`,
    ];
    // The source text is parsed once per row, not once per column.
    const parsed = `SELECT *, ${this.sql.jsonTextStruct(SOURCE_TEXT, present)} AS _source FROM ${checked} WHERE ${this.hasErrors()}`;
    return `SELECT ${columns.join(', ')} FROM (${parsed}) AS quarantined`;
  }

  /** Rows checked and rows with a quarantine (or halt) failure. */
  checkSummary(checked: string): string {
    return `SELECT COUNT(*) AS total, COUNT(CASE WHEN ${this.hasErrors()} THEN 1 END) AS quarantined FROM ${checked}`;
  }

  /** Counts of rows failing each rule id, for the report. */
  ruleCounts(checked: string): string {
    const ids = this.failedRuleIds();
    const failed = `${this.sql.unnest(this.sql.listConcat(ids.errors, ids.warnings))} AS rule_id`;
    return `SELECT rule_id, COUNT(*) AS row_count FROM (SELECT ${failed} FROM ${checked} WHERE ${ERROR_BITS} <> 0 OR ${WARNING_BITS} <> 0) AS failures GROUP BY rule_id ORDER BY rule_id`;
  }

  /**
   * dedupe, for the few keys that occur more than once among valid rows: each distinct line
   * once (`_copies` counts its exact copies), `_rank` 1 for the line kept (latest paid_date,
   * then the later source row), `_versions` the distinct lines sharing the key. Keys that
   * occur once never reach a window, so the cost follows the duplicates, not the file.
   */
  duplicates(checked: string, repeatedKeys?: string): string {
    const q = this.sql.quoteIdent;
    const keys = this.table.dedupeKey.map((k, i) => `${this.storedValue(k)} AS _k${i}`);
    const keyNames = this.table.dedupeKey.map((_, i) => `_k${i}`).join(', ');
    const lineHash = this.sql.hashValues(
      this.presentColumns()
        .filter((c) => !LINEAGE_OVERRIDES.has(c.name))
        .map((c) => q(`_v_${c.name}`)),
    );
    const columns = this.checkedColumns().map(q).join(', ');
    const keyHash = this.dedupeKeyHash();
    // The file is scanned twice rather than shared through a CTE, which would hold every row.
    return `WITH repeated AS (
  ${repeatedKeys ? `SELECT _key_hash FROM ${repeatedKeys}` : this.repeatedKeys(checked)}
), lines AS (
  SELECT ${columns}, ${keyNames}, ${lineHash} AS _line_hash
  FROM (SELECT ${columns}, ${keys.join(', ')}, ${keyHash} AS _key_hash FROM ${checked} WHERE ${this.dedupeKeyed()}) AS valid
  JOIN repeated USING (_key_hash)
), copies AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY ${keyNames}, _line_hash ORDER BY ${q(ROW_NUMBER)}) AS _copy,
    COUNT(*) OVER (PARTITION BY ${keyNames}, _line_hash) AS _copies
  FROM lines
)
SELECT ${columns}, ${keyNames}, _copies,
  ROW_NUMBER() OVER (PARTITION BY ${keyNames} ORDER BY ${this.storedValue(this.table.latestBy)} DESC NULLS LAST, ${q(ROW_NUMBER)} DESC) AS _rank,
  COUNT(*) OVER (PARTITION BY ${keyNames}) AS _versions
FROM copies WHERE _copy = 1`;
  }

  /**
   * The hashes of the dedupe keys that occur more than once among valid rows (within `slice`
   * when given). Keys are grouped by their 64-bit hash, so the GROUP BY holds one word per key;
   * a collision only makes a key that occurs once a candidate, which `duplicates` ranks alone.
   */
  repeatedKeys(checked: string, slice?: HashSlice): string {
    const keyHash = this.dedupeKeyHash();
    const sliced = slice ? ` AND ${this.sql.hashSlice(keyHash, slice.of, slice.index)}` : '';
    return `SELECT ${keyHash} AS _key_hash FROM ${checked} WHERE ${this.dedupeKeyed()}${sliced}
  GROUP BY _key_hash HAVING COUNT(*) > 1`;
  }

  private dedupeKeyHash(): string {
    return this.sql.hashValues(this.table.dedupeKey.map((k) => this.storedValue(k)));
  }

  /** Valid rows with every part of the dedupe key. */
  private dedupeKeyed(): string {
    return `NOT (${this.hasErrors()}) AND ${this.table.dedupeKey.map((k) => `${this.storedValue(k)} IS NOT NULL`).join(' AND ')}`;
  }

  /**
   * What dedupe found, from the `duplicates()` rows: rows among repeated keys, their distinct
   * lines, the lines kept, and the kept lines flagged as conflicting.
   */
  duplicateCounts(duplicates: string): string {
    return `SELECT COALESCE(SUM(_copies), 0) AS repeated_rows, COUNT(*) AS distinct_lines,
  COUNT(CASE WHEN _rank = 1 THEN 1 END) AS kept, COUNT(CASE WHEN _rank = 1 AND _versions > 1 THEN 1 END) AS flagged
FROM ${duplicates}`;
  }

  /**
   * enrich + publish: the typed columns of the published Parquet, from valid rows whose key
   * occurs once and the kept line of each repeated key.
   */
  publish(checked: string, duplicates: string): string {
    const q = this.sql.quoteIdent;
    const lit = this.sql.stringLiteral;
    const columns = this.checkedColumns().map(q).join(', ');
    const keys = this.table.dedupeKey.map((k, i) => `${this.storedValue(k)} = dup._k${i}`).join(' AND ');
    const keyNames = this.table.dedupeKey.map((_, i) => `_k${i}`).join(', ');
    const kept = `SELECT ${columns}, 1 AS _versions FROM ${checked}
    LEFT JOIN (SELECT DISTINCT ${keyNames} FROM ${duplicates}) AS dup ON ${keys}
    WHERE NOT (${this.hasErrors()}) AND dup._k0 IS NULL
  UNION ALL
  SELECT ${columns}, _versions FROM ${duplicates} WHERE _rank = 1`;
    const ids = this.failedRuleIds().warnings;
    const warnings = `CASE WHEN _versions > 1 THEN ${this.sql.listConcat(ids, this.sql.textList([lit(CONFLICTING_DUPLICATE_KEY)]))} ELSE ${ids} END`;
    const typed = `SELECT ${[
      ...this.table.columns.map((c) => `${this.storedValue(c.name)} AS ${q(c.name)}`),
      ...[JOB_ID, ROW_NUMBER, EXTRA_COLUMNS].map(q),
      `${warnings} AS ${q(DQ_WARNINGS)}`,
    ].join(', ')} FROM (${kept}) AS kept`;
    // Enrichments may use earlier ones, so each is inlined where it is referenced.
    const exprs = new Map<string, string>();
    const ref = (name: string): string => exprs.get(name) ?? q(name);
    for (const e of this.table.enrichments) exprs.set(e.name, `(${e.expression(this.sql, ref)})`);
    // Only the canonical columns the file has: each absent one, written as an all-NULL column, would
    // cost on every row (2M lines over 12 months: 27.5 s of CPU with all of them, 9.2 s without;
    // docs/BENCHMARKS.md). Readers see the full layout through `withCanonicalColumns`.
    return `SELECT ${[
      ...(this.settings.publishedLayout === 'canonical' ? this.table.columns : this.presentColumns()).map((c) =>
        q(c.name),
      ),
      q(JOB_ID),
      q(ROW_NUMBER),
      ...this.table.enrichments.map((e) => `${exprs.get(e.name)} AS ${q(e.name)}`),
      q(DQ_WARNINGS),
      q(EXTRA_COLUMNS),
      `${this.sql.formatYear(q(this.table.partitionDate))} AS year`,
      `${this.sql.formatMonth(q(this.table.partitionDate))} AS month`,
    ].join(',\n  ')}\nFROM (${typed}) AS typed`;
  }

  /**
   * The published rows of `claims` (as `publish` writes them) in the full canonical layout: the
   * columns the file lacks as typed NULLs in their places, for what reads them within the plan.
   */
  withCanonicalColumns(claims: string): string {
    const q = this.sql.quoteIdent;
    const canonical = this.table.columns.map((c) =>
      this.present.has(c.name) ? q(c.name) : `${nullOf(this.sql, c.kind)} AS ${q(c.name)}`,
    );
    const after = [
      JOB_ID,
      ROW_NUMBER,
      ...this.table.enrichments.map((e) => e.name),
      DQ_WARNINGS,
      EXTRA_COLUMNS,
      'year',
      'month',
    ];
    return `SELECT ${[...canonical, ...after.map(q)].join(', ')} FROM ${claims}`;
  }

  /** Up to `limit` failing rows per rule, identified by row number and claim key only (no PHI). */
  ruleSamples(checked: string, limit: number): string {
    const q = this.sql.quoteIdent;
    const ids = [ROW_NUMBER, 'claim_id', 'claim_line_number'].map(q).join(', ');
    // Source text where the row kept it (quarantined), else the typed value; the table's two
    // identifiers stand under the report's names (a table without any shows row numbers only).
    const [first, second] = this.table.sampleIds ?? [null, null];
    const idOf = (c: string | null, as: string): string =>
      c !== null && this.present.has(c)
        ? `COALESCE(${this.textColumn(c)}, CAST(${q(`_v_${c}`)} AS ${this.sql.textType})) AS ${q(as)}`
        : `${nullOf(this.sql, 'text')} AS ${q(as)}`;
    const failed = this.failedRuleIds();
    // Lines unpivoted from one source row share its number: the line's key breaks the tie the same way on every engine.
    const order = `${q(ROW_NUMBER)}, ${q('claim_id')} NULLS LAST, ${q('claim_line_number')} NULLS LAST`;
    return `SELECT rule_id, ${ids} FROM (
  SELECT rule_id, ${ids}, ROW_NUMBER() OVER (PARTITION BY rule_id ORDER BY ${order}) AS _sample
  FROM (SELECT ${this.sql.unnest(this.sql.listConcat(failed.errors, failed.warnings))} AS rule_id, ${q(ROW_NUMBER)}, ${idOf(first, 'claim_id')}, ${idOf(second, 'claim_line_number')}
    FROM ${checked} WHERE ${ERROR_BITS} <> 0 OR ${WARNING_BITS} <> 0) AS failures
) AS ranked WHERE _sample <= ${limit} ORDER BY rule_id, ${order}`;
  }

  /** Rows failing at least one rule of each dimension, one column per dimension. */
  dimensionFailures(checked: string, dimensions: readonly RuleDimension[]): string {
    const q = this.sql.quoteIdent;
    const { errors, warnings } = this.compileRules();
    // A rule's bit is its position among the rules of its action.
    const maskOf = (rules: readonly CompiledRule[], dimension: RuleDimension): bigint =>
      rules.reduce((mask, r, i) => (this.dimensionOf.get(r.id) === dimension ? mask | (1n << BigInt(i)) : mask), 0n);
    const columns = dimensions.map((d) => {
      const masks = [
        [ERROR_BITS, maskOf(errors, d)],
        [WARNING_BITS, maskOf(warnings, d)],
      ] as const;
      const tests = masks.filter(([, mask]) => mask > 0n).map(([bits, mask]) => `(${bits} & ${mask}) <> 0`);
      return `COUNT(CASE WHEN ${tests.length === 0 ? 'FALSE' : tests.join(' OR ')} THEN 1 END) AS ${q(d)}`;
    });
    return `SELECT ${columns.join(', ')} FROM ${checked}`;
  }

  private hasErrors(): string {
    return `${ERROR_BITS} <> 0`;
  }

  private presentColumns(): CanonicalColumn[] {
    return this.table.columns.filter((c) => this.present.has(c.name));
  }

  /** What later stages read of the checked rows: typed values, lineage and the rule results. */
  private checkedColumns(): string[] {
    const typed = this.presentColumns().map((c) => `_v_${c.name}`);
    return [...typed, JOB_ID, ROW_NUMBER, EXTRA_COLUMNS, ERROR_BITS, WARNING_BITS];
  }

  /** A column's typed value as the check stage stored it (a typed NULL when the file lacks it). */
  private storedValue(name: string): string {
    return this.present.has(name) ? this.sql.quoteIdent(`_v_${name}`) : nullOf(this.sql, this.column(name).kind);
  }

  private column(name: string): CanonicalColumn {
    const canonical = findTableColumn(this.table, name);
    if (!canonical) throw new Error(`unknown ${this.table.name} column ${name}`);
    return canonical;
  }

  /** A quarantined row's source text of a column, or a NULL constant when the file does not have it. */
  private textColumn(name: string): string {
    return this.present.has(name) ? this.sql.jsonText(SOURCE_TEXT, name) : nullOf(this.sql, 'text');
  }

  private ruleContext(): RuleContext {
    const sql = this.sql;
    return {
      sql,
      runDate: sql.dateLiteral(this.settings.runDate),
      thresholds: this.settings.thresholds,
      malformed: `(${sql.quoteIdent(INGEST_ERROR)} IS NOT NULL)`,
      text: (column) => (this.present.has(column) ? sql.quoteIdent(`_t_${column}`) : nullOf(sql, 'text')),
      value: (column) => this.storedValue(column),
      inCodeSet: (column, set) =>
        this.present.has(column)
          ? this.codeSetLookups.test(this.column(column), set, this.numberFormats.get(column), this.storedValue(column))
          : 'CAST(NULL AS BOOLEAN)',
      overEarlierRows: (aggregate, partitionBy, orderBy, previous = false) => {
        const frame = previous ? '1 PRECEDING AND 1 PRECEDING' : 'UNBOUNDED PRECEDING AND 1 PRECEDING';
        const order = [...orderBy, sql.quoteIdent(ROW_NUMBER)].join(', ');
        return `${aggregate} OVER (PARTITION BY ${partitionBy.join(', ')} ORDER BY ${order} ROWS BETWEEN ${frame})`;
      },
      variesWithinClaim: (column) => {
        if (!this.present.has(column)) return 'FALSE';
        this.claimLevel.add(column);

        // Lines without a claim_id are not one claim (required_field_missing flags them).
        return `COALESCE(claim_stats.${sql.quoteIdent(`_varies_${column}`)}, FALSE)`;
      },
    };
  }
}
