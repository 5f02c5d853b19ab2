import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RowRule, RuleContext, RuleThresholds } from '../domain/rule.ts';
import { TIMELY_FILING_BASES } from '../domain/rule.ts';
import { neededColumnsOf } from '../domain/rule-needs.ts';
import type { SqlDialect } from '../domain/sql-dialect.ts';
import { findTableColumn } from '../domain/tables/table-descriptor.ts';
import { MEDICAL_CLAIM_TABLE, TABLES } from '../domain/tables/tables.ts';
import { duckdbDialect } from './duckdb-dialect.ts';
import { sparkDialect } from './spark-dialect.ts';

const THRESHOLDS: RuleThresholds = {
  earliestDate: '1900-01-01',
  amountTolerance: 0.01,
  timelyFilingDays: 365,
  timelyFilingBasis: 'paid_date',
};

/** The canonical columns a rule's predicate reads when compiled: every column it names through its context. */
function columnsRead(rule: RowRule, sql: SqlDialect, thresholds: RuleThresholds): Set<string> {
  const read = new Set<string>();
  const note = (column: string): string => {
    read.add(column);
    return sql.quoteIdent(`_v_${column}`);
  };
  const ctx: RuleContext = {
    sql,
    value: note,
    text: note,
    malformed: '(_ingest_error IS NOT NULL)',
    runDate: sql.dateLiteral('2026-11-01'),
    thresholds,
    inCodeSet: (column) => `(${note(column)} IN (SELECT code FROM list))`,
    variesWithinClaim: (column) => `(${note(column)} IS NOT NULL)`,
    // Its operands are expressions the rule built through `value`, so their columns are noted there.
    overEarlierRows: (aggregate, partitionBy, orderBy) =>
      `${aggregate} OVER (PARTITION BY ${partitionBy.join(', ')} ORDER BY ${orderBy.join(', ')})`,
  };
  rule.failsWhen(ctx);
  return read;
}

const flat = (rule: RowRule, thresholds: RuleThresholds): string[] => neededColumnsOf(rule, thresholds).flat();
const sorted = (columns: Iterable<string>): string[] => [...new Set(columns)].sort();

describe("rule needs: each row rule declares exactly the columns its SQL reads (what a source's skips rely on)", () => {
  for (const basis of TIMELY_FILING_BASES) {
    const thresholds = { ...THRESHOLDS, timelyFilingBasis: basis };
    it(`the needs and also-reads of every rule of every table are the columns its predicate reads (${basis} basis, both dialects)`, () => {
      for (const table of TABLES) {
        for (const rule of table.rules) {
          const declared = sorted([...flat(rule, thresholds), ...(rule.alsoReads ?? [])]);
          for (const sql of [duckdbDialect, sparkDialect]) {
            const read = sorted(columnsRead(rule, sql, thresholds));
            assert.deepEqual(read, declared, `${table.name}: ${rule.id} (${basis})`);
          }
        }
      }
    });
  }

  it("names only its table's columns, and no column both as a need and as an also-read", () => {
    for (const table of TABLES) {
      for (const rule of table.rules) {
        for (const basis of TIMELY_FILING_BASES) {
          const needs = flat(rule, { ...THRESHOLDS, timelyFilingBasis: basis });
          for (const c of [...needs, ...(rule.alsoReads ?? [])])
            assert.ok(findTableColumn(table, c), `${table.name}: ${rule.id}: ${c}`);
          for (const c of rule.alsoReads ?? []) assert.ok(!needs.includes(c), `${table.name}: ${rule.id}: ${c}`);
        }
      }
    }
  });

  it('late_claim needs a paid date only when timeliness is counted up to it', () => {
    const late = MEDICAL_CLAIM_TABLE.rules.find((r) => r.id === 'late_claim');
    assert.ok(late);
    assert.deepEqual(neededColumnsOf(late, THRESHOLDS), ['claim_end_date', 'paid_date']);
    assert.deepEqual(neededColumnsOf(late, { ...THRESHOLDS, timelyFilingBasis: 'run_date' }), ['claim_end_date']);
  });
});
