import { CANONICAL_COLUMNS, findCanonicalColumn } from '../domain/canonical-model.ts';
import type { CodeSetName } from '../domain/code-sets.ts';
import { ENRICHMENTS } from '../domain/enrichment.ts';
import type { RowRule, RuleContext, RuleDimension, RuleThresholds } from '../domain/rule.ts';
import { CONFLICTING_DUPLICATE_KEY } from '../domain/rule-catalog.ts';
import type { SqlDialect } from './dialect.ts';
import { trimmedTextOf, typedSelectList, typedValueOf } from './normalize.ts';

/** Columns the pipeline adds to every row besides the canonical ones. */
export const ROW_NUMBER = 'source_row_number';
export const JOB_ID = 'job_id';
export const EXTRA_COLUMNS = 'extra_columns';
export const INGEST_ERROR = '_ingest_error';
export const DQ_ERRORS = 'dq_errors';
export const DQ_WARNINGS = 'dq_warnings';

const DEDUPE_KEY = ['claim_id', 'claim_line_number', 'data_source'];
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
}

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
 * The staged SQL plan of one file, as SELECT statements over named relations.
 * Each stage reads the relation the previous one produced, so an engine can
 * materialise or stream them as it likes.
 */
export class StagePlan {
  private readonly rules: readonly RowRule[];

  constructor(
    private readonly sql: SqlDialect,
    private readonly settings: PlanSettings,
  ) {
    this.rules = settings.rules;
  }

  /** map: source text columns onto the canonical model, NULL where absent, plus lineage. */
  map(input: MapInput, source: string): string {
    const q = this.sql.quoteIdent;
    const lit = this.sql.stringLiteral;
    const bySource = new Map(input.mappings.map((m) => [m.canonical, m.sourceExpr]));
    const columns = CANONICAL_COLUMNS.map((c) => {
      if (c.name === 'file_name') return `${lit(input.lineage.fileName)} AS ${q(c.name)}`;
      if (c.name === 'ingest_datetime') return `${lit(input.lineage.ingestDatetime)} AS ${q(c.name)}`;
      const expr = bySource.get(c.name);
      if (c.name === 'data_source') {
        const fallback = lit(input.lineage.dataSource);
        return `${expr ? `COALESCE(NULLIF(TRIM(CAST(${expr} AS VARCHAR)), ''), ${fallback})` : fallback} AS ${q(c.name)}`;
      }
      return `${expr ? `CAST(${expr} AS VARCHAR)` : 'CAST(NULL AS VARCHAR)'} AS ${q(c.name)}`;
    });
    const named =
      input.extras.length === 0
        ? 'CAST(NULL AS VARCHAR)'
        : this.sql.jsonObject(input.extras.map((e) => [e.name, `CAST(${e.sourceExpr} AS VARCHAR)`] as const));
    const rawLine = this.sql.jsonObject([['source_line', `CAST(${input.rawLineExpr} AS VARCHAR)`]]);
    const extras = `CASE WHEN ${input.rawLineExpr} IS NOT NULL THEN ${rawLine} ELSE ${named} END`;
    return `SELECT ${[
      ...columns,
      `${lit(input.lineage.jobId)} AS ${q(JOB_ID)}`,
      `CAST(${input.rowNumberExpr} AS BIGINT) AS ${q(ROW_NUMBER)}`,
      `${extras} AS ${q(EXTRA_COLUMNS)}`,
      `CAST(${input.ingestErrorExpr} AS VARCHAR) AS ${q(INGEST_ERROR)}`,
    ].join(',\n  ')}\nFROM ${source}`;
  }

  /** check: every row rule as a predicate; the row gets the ids it failed, by action. */
  check(mapped: string): string {
    const ctx = this.ruleContext();
    const failed = (rules: readonly RowRule[]): string =>
      this.sql.compactList(
        rules.map((r) => {
          const guard = r.judgesMalformedRows ? '' : `NOT ${ctx.malformed} AND `;
          return `CASE WHEN ${guard}(${r.failsWhen(ctx)}) THEN ${this.sql.stringLiteral(r.id)} END`;
        }),
      );
    const q = this.sql.quoteIdent;
    // halt rules quarantine the row too; the pipeline then rejects the whole file.
    const errors = this.rules.filter((r) => r.action !== 'warn');
    const warnings = this.rules.filter((r) => r.action === 'warn');
    return `SELECT *, ${failed(errors)} AS ${q(DQ_ERRORS)}, ${failed(warnings)} AS ${q(DQ_WARNINGS)}\nFROM ${mapped}`;
  }

  /** route (quarantine side): rejected rows with their source text, lineage and reasons. */
  quarantine(checked: string): string {
    const q = this.sql.quoteIdent;
    const columns = [
      ...CANONICAL_COLUMNS.map((c) => c.name),
      JOB_ID,
      ROW_NUMBER,
      EXTRA_COLUMNS,
      DQ_ERRORS,
      DQ_WARNINGS,
    ];
    return `SELECT ${columns.map(q).join(', ')} FROM ${checked} WHERE ${this.hasErrors()}`;
  }

  /** Counts of rows failing each rule id, for the report. */
  ruleCounts(checked: string): string {
    const q = this.sql.quoteIdent;
    return `SELECT rule_id, COUNT(*) AS row_count FROM (SELECT ${this.sql.unnest(this.sql.listConcat(q(DQ_ERRORS), q(DQ_WARNINGS)))} AS rule_id FROM ${checked}) GROUP BY rule_id ORDER BY rule_id`;
  }

  /**
   * dedupe: typed valid rows without exact duplicate lines; `_rank` 1 marks the line kept
   * for each key (latest paid_date, then the later source row) and `_versions` how many
   * different lines shared the key.
   */
  dedupe(checked: string): string {
    const q = this.sql.quoteIdent;
    const key = DEDUPE_KEY.map(q).join(', ');
    const lineHash = this.sql.hashValues(
      CANONICAL_COLUMNS.filter((c) => !LINEAGE_OVERRIDES.has(c.name)).map((c) => q(c.name)),
    );
    const carried = [JOB_ID, ROW_NUMBER, EXTRA_COLUMNS, DQ_WARNINGS].map(q);
    const kept = [...CANONICAL_COLUMNS.map((c) => q(c.name)), ...carried].join(', ');
    return `WITH typed AS (
  SELECT ${typedSelectList(this.sql).join(', ')}, ${carried.join(', ')}, ${lineHash} AS _line_hash
  FROM ${checked} WHERE NOT (${this.hasErrors()})
), distinct_lines AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY ${key}, _line_hash ORDER BY ${q(ROW_NUMBER)}) AS _copy FROM typed
)
SELECT ${kept},
  ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY ${q('paid_date')} DESC NULLS LAST, ${q(ROW_NUMBER)} DESC) AS _rank,
  COUNT(*) OVER (PARTITION BY ${key}) AS _versions
FROM distinct_lines WHERE _copy = 1`;
  }

  /** enrich + the columns of the published Parquet, from the deduped relation's kept rows. */
  publish(deduped: string): string {
    const q = this.sql.quoteIdent;
    const lit = this.sql.stringLiteral;
    // Enrichments may use earlier ones, so each is inlined where it is referenced.
    const exprs = new Map<string, string>();
    const ref = (name: string): string => exprs.get(name) ?? q(name);
    for (const e of ENRICHMENTS) exprs.set(e.name, `(${e.expression(this.sql, ref)})`);
    const warnings = `CASE WHEN _versions > 1 THEN ${this.sql.listConcat(q(DQ_WARNINGS), `[${lit(CONFLICTING_DUPLICATE_KEY)}]`)} ELSE ${q(DQ_WARNINGS)} END`;
    return `SELECT ${[
      ...CANONICAL_COLUMNS.map((c) => q(c.name)),
      q(JOB_ID),
      q(ROW_NUMBER),
      ...ENRICHMENTS.map((e) => `${exprs.get(e.name)} AS ${q(e.name)}`),
      `${warnings} AS ${q(DQ_WARNINGS)}`,
      q(EXTRA_COLUMNS),
      `${this.sql.formatYear(q('claim_start_date'))} AS year`,
      `${this.sql.formatMonth(q('claim_start_date'))} AS month`,
    ].join(',\n  ')}\nFROM ${deduped} WHERE _rank = 1`;
  }

  /** Up to `limit` failing rows per rule, identified by row number and claim key only (no PHI). */
  ruleSamples(checked: string, limit: number): string {
    const q = this.sql.quoteIdent;
    const ids = [ROW_NUMBER, 'claim_id', 'claim_line_number'].map(q).join(', ');
    return `SELECT rule_id, ${ids} FROM (
  SELECT rule_id, ${ids}, ROW_NUMBER() OVER (PARTITION BY rule_id ORDER BY ${q(ROW_NUMBER)}) AS _sample
  FROM (SELECT ${this.sql.unnest(this.sql.listConcat(q(DQ_ERRORS), q(DQ_WARNINGS)))} AS rule_id, ${ids} FROM ${checked}) AS failures
) AS ranked WHERE _sample <= ${limit} ORDER BY rule_id, ${q(ROW_NUMBER)}`;
  }

  /** Rows failing at least one rule of each dimension, one column per dimension. */
  dimensionFailures(checked: string, dimensions: readonly RuleDimension[]): string {
    const q = this.sql.quoteIdent;
    const all = this.sql.listConcat(q(DQ_ERRORS), q(DQ_WARNINGS));
    const columns = dimensions.map((d) => {
      const ids = this.rules.filter((r) => r.dimension === d).map((r) => this.sql.stringLiteral(r.id));
      const failing = ids.length === 0 ? 'FALSE' : this.sql.listHasAny(all, ids);
      return `COUNT(CASE WHEN ${failing} THEN 1 END) AS ${q(d)}`;
    });
    return `SELECT ${columns.join(', ')} FROM ${checked}`;
  }

  private hasErrors(): string {
    return `${this.sql.listLength(this.sql.quoteIdent(DQ_ERRORS))} > 0`;
  }

  private ruleContext(): RuleContext {
    const sql = this.sql;
    const value = (column: string): string => {
      const canonical = findCanonicalColumn(column);
      if (!canonical) throw new Error(`rule refers to unknown column ${column}`);
      return typedValueOf(sql, canonical);
    };
    return {
      sql,
      runDate: sql.dateLiteral(this.settings.runDate),
      thresholds: this.settings.thresholds,
      malformed: `(${sql.quoteIdent(INGEST_ERROR)} IS NOT NULL)`,
      text: (column) => trimmedTextOf(sql, column),
      value,
      inCodeSet: (expr, set) => `${expr} IN (SELECT code FROM ${this.settings.codeSetRelation(set)})`,
      variesWithinClaim: (column) => {
        const claim = `OVER (PARTITION BY ${value('claim_id')})`;
        // Lines without a claim_id are not one claim (required_field_missing flags them).
        return `(${value('claim_id')} IS NOT NULL AND MIN(${value(column)}) ${claim} <> MAX(${value(column)}) ${claim})`;
      },
    };
  }
}
