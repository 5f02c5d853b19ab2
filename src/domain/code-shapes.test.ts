import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDbEngine } from '../adapters/duckdb/duckdb-engine.ts';
import { duckdbDialect as sql } from '../plan/duckdb-dialect.ts';
import { npiCheckFails } from './common-rules.ts';
import type { RuleContext } from './rule.ts';
import { HCPCS_PATTERN, ICD10CM_PATTERN, ICD10PCS_PATTERN } from './rule-catalog.ts';

let engine: DuckDbEngine;

/** Evaluates a SQL predicate over `v` for each value, in DuckDB. */
async function evaluate(values: readonly string[], predicate: (v: string) => string): Promise<boolean[]> {
  const rows = values.map((v) => `(${sql.stringLiteral(v)})`).join(', ');
  const result = await engine.query(`SELECT ${predicate('v')} AS ok FROM (VALUES ${rows}) AS t(v)`);
  return result.map((r) => r.ok === true);
}

const matches = (pattern: string) => (values: readonly string[]) => evaluate(values, (v) => sql.fullMatch(v, pattern));

describe('code shapes', () => {
  before(async () => {
    engine = await DuckDbEngine.open({ path: ':memory:' });
  });
  after(() => engine.close());

  it('checks NPI check digits: 1234567893 valid, 1234567890 invalid', async () => {
    const ctx = { value: (c: string) => c, sql } as unknown as RuleContext;
    const npis = ['1234567893', '1234567890', '1003811290', '1467498014', '123456789', '12345678931', '12345678A3'];
    assert.deepEqual(await evaluate(npis, (v) => `NOT ${npiCheckFails(ctx, v)}`), [
      true,
      false,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('recognises ICD-10-CM structure (dots removed before the check), U codes included', async () => {
    const ok = ['E119', 'I10', 'S8391XA', 'U071', 'Z3800', 'A00'];
    const bad = ['123', 'E1', 'E11912345', '4019', 'E11-9'];
    assert.deepEqual(await matches(ICD10CM_PATTERN)([...ok, ...bad]), [...ok.map(() => true), ...bad.map(() => false)]);
  });

  it('recognises ICD-10-PCS: seven characters, digits and letters except I and O', async () => {
    assert.deepEqual(await matches(ICD10PCS_PATTERN)(['0DTJ4ZZ', '02HV33Z', '0DTJ4Z', '0DTJ4ZO', '0DTI4ZZ']), [
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('recognises CPT categories I, II, III (and PLA) and HCPCS level II shapes', async () => {
    const ok = ['99213', '0001U', '3008F', '0042T', 'G0439', 'J3301', 'A0427'];
    const bad = ['9921', '992133', 'W1234', 'G043', 'ABCDE', '3008X'];
    assert.deepEqual(await matches(HCPCS_PATTERN)([...ok, ...bad]), [...ok.map(() => true), ...bad.map(() => false)]);
  });
});
