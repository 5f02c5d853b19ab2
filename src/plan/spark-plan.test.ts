import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SparkSQL } from 'dt-sql-parser';
import { CANONICAL_COLUMNS } from '../domain/canonical-model.ts';
import { CODE_SETS } from '../domain/code-sets.ts';
import { NPPES_PROFILE } from '../domain/profiles/nppes-profile.ts';
import { ROW_RULES } from '../domain/rule-catalog.ts';
import type { SqlDialect } from '../domain/sql-dialect.ts';
import { PROVIDER_RULES } from '../domain/tables/provider-rules.ts';
import { hmacPadsOf } from './dialect.ts';
import { duckdbDialect } from './duckdb-dialect.ts';
import { buildEnginePlan, type EnginePlan } from './engine-plan.ts';
import { sparkDialect } from './spark-dialect.ts';
import { SPARK_FUNCTIONS } from './spark-functions.ts';

const parser = new SparkSQL();

/** Keywords and type names that come before `(` without being a function call. */
const SYNTAX_BEFORE_PAREN = new Set([
  ...['all', 'and', 'as', 'by', 'case', 'cast', 'char', 'decimal', 'distinct', 'else', 'exists', 'from', 'having'],
  ...['in', 'is', 'join', 'not', 'on', 'or', 'over', 'select', 'then', 'try_cast', 'union', 'using', 'values'],
  ...['varchar', 'when', 'where', 'with'],
]);
/** DuckDB words that Spark's grammar would take for an alias or a column, so a parse alone misses them. */
const DUCKDB_WORDS = new Set(['asof', 'exclude', 'lambda', 'positional', 'qualify']);

/**
 * What would fail or mean something else on Spark: functions off the allow-list and DuckDB
 * constructs found in the tokens (double-quoted names are string literals in Spark, '' is two
 * adjacent literals joined, VARCHAR needs a length), then, when the tokens are clean, the
 * SparkSQL grammar's errors. (Parsing SQL already known to be wrong takes minutes of error recovery.)
 */
function sparkProblems(sql: string): string[] {
  const tokens = parser
    .createLexer(sql)
    .getAllTokens()
    .filter((t) => t.channel === 0);
  const problems = new Set<string>();
  tokens.forEach((token, i) => {
    const text = token.text ?? '';
    const word = text.toLowerCase();
    const previous = tokens[i - 1]?.text ?? '';
    const next = tokens[i + 1]?.text ?? '';
    if (text.startsWith('"')) problems.add('double-quoted identifier (a string literal in Spark)');
    else if (text.startsWith("'") && previous.startsWith("'"))
      problems.add("'' inside a string (Spark joins two literals)");
    else if (text === '[' && !/^[\w`)\]]/.test(previous)) problems.add('[...] list literal');
    else if (text === ':' && next === ':') problems.add(':: cast');
    else if (DUCKDB_WORDS.has(word)) problems.add(`${word.toUpperCase()} (DuckDB only)`);
    else if ((word === 'varchar' || word === 'char') && next !== '(') problems.add('VARCHAR without a length');
    else if (next === '(' && /^[a-z_]\w*$/.test(word) && !SYNTAX_BEFORE_PAREN.has(word) && !SPARK_FUNCTIONS.has(word)) {
      problems.add(`${word}() is not a Spark SQL function`);
    }
  });
  if (problems.size > 0) return [...problems];
  return parser.validate(sql).map((e) => `syntax at ${e.startLine}:${e.startColumn}: ${e.message}`);
}

/** The plan of a file with every canonical column, every rule enabled and every reference list present. */
function fullCatalogPlan(dialect: SqlDialect): EnginePlan {
  const header = `${[...CANONICAL_COLUMNS.map((c) => c.name), 'member name'].join(',')}\n`;
  return catalogPlan(dialect, header, ROW_RULES);
}

/** The plan of a file with this header, held to these rules (through `layout` when given). */
function catalogPlan(
  dialect: SqlDialect,
  header: string,
  rules: typeof ROW_RULES,
  layout?: Parameters<typeof buildEnginePlan>[0]['layout'],
): EnginePlan {
  return buildEnginePlan({
    dialect,
    jobId: 'claims-etl-20260131-102030-0001',
    fileName: 'claims.csv',
    inputPath: 's3://inbox/raw/claims/claims.csv',
    head: { bytes: Buffer.from(header), gzip: false },
    ...(layout ? { layout } : {}),
    settings: {
      plan: {
        rules,
        runDate: '2026-01-31',
        thresholds: {
          earliestDate: '1900-01-01',
          amountTolerance: 0.01,
          timelyFilingDays: 365,
          timelyFilingBasis: 'paid_date',
        },
        codeSetRelation: (set) => set,
        publishedLayout: 'populated',
      },
      dataSource: 'acme',
    },
    ingestDatetime: '2026-01-31T10:20:30.000Z',
    codeSetFiles: new Map(CODE_SETS.map((set) => [set, `s3://out/refdata/${set}.csv`])),
    locate: (key) => `s3://out/${key}`,
  });
}

const problemsByStatement = (plan: EnginePlan): Record<string, string[]> =>
  Object.fromEntries(
    plan.statements.map((s) => [s.name, sparkProblems(s.sql)] as const).filter(([, problems]) => problems.length > 0),
  );

describe('the Spark plan of the full rule catalog', () => {
  const plan = fullCatalogPlan(sparkDialect);

  it('covers every stage, the reference lists and the aggregations', () => {
    assert.deepEqual(
      plan.statements.map((s) => s.name),
      [
        ...['ref_place_of_service', 'ref_icd10cm', 'ref_hcpcs_level_2', 'ref_bill_type', 'ref_revenue_center'],
        ...['ref_ms_drg', 'ingested', 'mapped', 'claim_stats', 'unknown_codes', 'unknown_code_lines', 'checked'],
        ...['summary', 'rule_counts', 'rule_samples'],
        ...['dimension_failures', 'quarantine', 'duplicates', 'duplicate_counts', 'claims'],
        ...['aggregation_monthly_by_payer_claim_type', 'aggregation_monthly_by_rendering_provider'],
      ],
    );
    assert.equal(Object.keys(plan.code_sets).length, 6);
    // Every rule of the catalog sets a bit in the check stage, which the counts name by its id.
    const sql = (name: string): string => plan.statements.find((s) => s.name === name)?.sql ?? '';
    const bits = sql('checked').match(/THEN CAST\(\d+ AS BIGINT\)/g) ?? [];
    assert.equal(bits.length, ROW_RULES.length);
    for (const rule of ROW_RULES) assert.ok(sql('rule_counts').includes(`'${rule.id}'`), rule.id);
  });

  it('passes the SparkSQL grammar, and calls only Spark SQL built-in functions', () => {
    assert.deepEqual(problemsByStatement(plan), {});
  });

  it('compiles the provider catalog over an NPPES file for Spark as well', () => {
    const [layout] = NPPES_PROFILE.layouts;
    assert.ok(layout);
    const header = `${layout.detect.headers.map((h) => `"${h}"`).join(',')},"Provider First Name","NPI Reactivation Date"\n`;
    const provider = catalogPlan(sparkDialect, header, PROVIDER_RULES, {
      profileName: 'nppes',
      layout,
      companions: [],
    });
    const checked = provider.statements.find((s) => s.name === 'checked')?.sql ?? '';
    assert.equal((checked.match(/THEN CAST\(\d+ AS BIGINT\)/g) ?? []).length, PROVIDER_RULES.length);
    assert.deepEqual(problemsByStatement(provider), {});
  });

  it('renders Spark literals and identifiers, not DuckDB ones', () => {
    assert.equal(sparkDialect.stringLiteral("O'Brien \\ co"), "'O\\'Brien \\\\ co'");
    assert.equal(sparkDialect.quoteIdent('odd`name'), '`odd``name`');
    assert.equal(sparkDialect.fullMatch('x', '[0-9]{2}|A'), "(x RLIKE '^(?:[0-9]{2}|A)\\\\z')");
    assert.deepEqual(sparkProblems(`SELECT ${sparkDialect.stringLiteral("it's")} AS a FROM t`), []);
  });

  it('computes HMAC tokens with Spark built-ins (the DuckDB form would not run there)', () => {
    const pads = hmacPadsOf(Buffer.alloc(32, 7));
    const token = (dialect: SqlDialect): string =>
      `SELECT ${dialect.hmacSha256(dialect.quoteIdent('person_id'), pads)} AS person_id FROM t`;
    assert.deepEqual(sparkProblems(token(sparkDialect)), []);
    assert.ok(sparkProblems(token(duckdbDialect)).includes('sha256() is not a Spark SQL function'));
  });
});

describe('the Spark checker', () => {
  it('rejects the same plan in the DuckDB dialect, naming what leaked', () => {
    const problems = problemsByStatement(fullCatalogPlan(duckdbDialect));
    const found = new Set(Object.values(problems).flat());
    for (const expected of [
      'regexp_full_match() is not a Spark SQL function',
      'list_filter() is not a Spark SQL function',
      'list_concat() is not a Spark SQL function',
      'json_object() is not a Spark SQL function',
      'try_strptime() is not a Spark SQL function',
      'strftime() is not a Spark SQL function',
      'LAMBDA (DuckDB only)',
      'double-quoted identifier (a string literal in Spark)',
      'VARCHAR without a length',
      '[...] list literal',
    ]) {
      assert.ok(found.has(expected), `${expected} in ${[...found].join('; ')}`);
    }
    // Only the counts, which read columns the plan named itself with plain SQL, are the same in both dialects.
    assert.deepEqual(
      fullCatalogPlan(duckdbDialect)
        .statements.map((s) => s.name)
        .filter((name) => !(name in problems)),
      ['ingested', 'summary', 'duplicate_counts'],
    );
  });

  it('names DuckDB constructs that Spark would parse as something else, and grammar errors', () => {
    assert.deepEqual(sparkProblems('SELECT * EXCLUDE (a) FROM t'), ['EXCLUDE (DuckDB only)']);
    assert.deepEqual(sparkProblems('SELECT a FROM t ASOF LEFT JOIN u ON a > b'), ['ASOF (DuckDB only)']);
    assert.deepEqual(sparkProblems("SELECT 'it''s' AS a FROM t"), ["'' inside a string (Spark joins two literals)"]);
    assert.deepEqual(sparkProblems('SELECT a::INTEGER FROM t'), [':: cast']);
    // DuckDB forgives a trailing comma in the SELECT list; Spark does not.
    assert.deepEqual(sparkProblems('SELECT a, FROM t'), [
      "syntax at 1:11: 'FROM' is not valid at this position, expecting an existing column or an existing function or a keyword",
    ]);
    assert.deepEqual(sparkProblems('SELECT size(a[0]), CAST(b AS VARCHAR(10)) FROM t'), []);
  });
});
