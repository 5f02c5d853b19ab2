import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuckDbEngine } from '../adapters/duckdb/duckdb-engine.ts';
import { LayoutColumnsError } from '../domain/profiles/layout-columns-error.ts';
import type { SourceLayout } from '../domain/profiles/source-profile.ts';
import { companionColumnsOf, companionTable, compileLayout, type LoadedCompanion } from './compile-profile.ts';
import { duckdbDialect as sql } from './duckdb-dialect.ts';

type Row = Record<string, string | null>;
let engine: DuckDbEngine;
let tables = 0;

/** A relation of text rows as ingest writes them: the source columns plus row number, raw line and error. */
async function rowsOf(rows: readonly Row[]): Promise<{ relation: string; names: string[] }> {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) => c !== '_ingest_error');
  const table = `rows_${++tables}`;
  const columns = [
    '_row_number BIGINT',
    '_raw_line VARCHAR',
    '_ingest_error VARCHAR',
    ...names.map((n) => `${sql.quoteIdent(n)} VARCHAR`),
  ];
  await engine.run(`CREATE TABLE ${table} (${columns.join(', ')})`);
  for (const [i, row] of rows.entries()) {
    const cells = [String(i + 1), 'NULL', row._ingest_error ? sql.stringLiteral(row._ingest_error) : 'NULL'];
    cells.push(...names.map((n) => (row[n] == null ? 'NULL' : sql.stringLiteral(row[n] as string))));
    await engine.run(`INSERT INTO ${table} VALUES (${cells.join(', ')})`);
  }
  return { relation: `(SELECT * FROM ${table})`, names };
}

/** The canonical (and extra) columns the layout maps from the rows, ordered by claim and line. */
async function mapped(layout: SourceLayout, rows: readonly Row[], companions: LoadedCompanion[] = []): Promise<Row[]> {
  const { relation, names } = await rowsOf(rows);
  const compiled = compileLayout(
    layout,
    { names, expr: (n) => `src.${sql.quoteIdent(n)}` },
    companions,
    sql,
    'claims.csv',
  );
  const columns = [
    ...compiled.mappings.map((m) => [m.canonical, m.sourceExpr]),
    ...compiled.extras.map((e) => [`x:${e.name}`, e.sourceExpr]),
  ];
  const select = columns.map(([name, expr]) => `CAST(${expr} AS VARCHAR) AS ${sql.quoteIdent(name ?? '')}`).join(', ');
  const result = await engine.query(`SELECT ${select} FROM ${compiled.from(relation)}`);
  const key = (r: Row): string => `${r.claim_id ?? ''}|${(r.claim_line_number ?? '').padStart(4, '0')}`;
  return (result as Row[]).sort((a, b) => key(a).localeCompare(key(b)));
}

before(async () => {
  engine = await DuckDbEngine.open({ path: ':memory:' });
});
after(() => engine.close());

describe('compileLayout', () => {
  it('unpivots filled slots into lines; a claim with none keeps one line; slot extras stay per line', async () => {
    const layout: SourceLayout = {
      id: 'carrier',
      role: 'claims',
      description: '',
      detect: { headers: ['CLM'] },
      columns: { claim_id: 'CLM', claim_type: { value: 'professional' } },
      unpivot: {
        slots: 3,
        filled: 'hcpcs_code',
        columns: { hcpcs_code: 'HC_{n}', paid_amount: 'PAID_{n}', flag: 'FLAG_{n}' },
      },
    };
    const rows = await mapped(layout, [
      {
        CLM: 'A',
        HC_1: '99213',
        HC_2: '80053',
        HC_3: '',
        PAID_1: '10.00',
        PAID_2: '5.00',
        PAID_3: '0.00',
        FLAG_1: 'x',
        OTHER: 'o',
      },
      { CLM: 'B', HC_1: ' ', HC_2: null, HC_3: '', PAID_1: '0.00', PAID_2: '0.00', PAID_3: '0.00', OTHER: 'p' },
    ]);
    assert.deepEqual(
      rows.map((r) => [
        r.claim_id,
        r.claim_line_number,
        r.hcpcs_code?.trim() || null,
        r.paid_amount,
        r['x:flag'],
        r['x:OTHER'],
      ]),
      [
        ['A', '1', '99213', '10.00', 'x', 'o'],
        ['A', '2', '80053', '5.00', null, 'o'],
        ['B', '1', null, '0.00', null, 'p'],
      ],
    );
    assert.equal(rows[0]?.claim_type, 'professional');
  });

  it('merges segments: first-segment header, summed amounts on the first line, line numbers continued', async () => {
    const layout: SourceLayout = {
      id: 'outpatient',
      role: 'claims',
      description: '',
      detect: { headers: ['CLM'] },
      merge: { key: 'CLM', segment: 'SEG', sum: ['PAY'] },
      unpivot: { slots: 2, filled: 'hcpcs_code', columns: { hcpcs_code: 'HC_{n}' } },
      columns: { claim_id: 'CLM', claim_start_date: 'FROM', paid_amount: { column: 'PAY', first_line_only: true } },
    };
    const rows = await mapped(layout, [
      { CLM: 'X', SEG: '2', FROM: '', PAY: '5.00', HC_1: 'C', HC_2: '' },
      { CLM: 'X', SEG: '1', FROM: '20090101', PAY: '10.00', HC_1: 'A', HC_2: 'B' },
      { CLM: 'Y', SEG: '1', FROM: '20090202', PAY: '7', HC_1: '', HC_2: '' },
    ]);
    assert.deepEqual(
      rows.map((r) => [r.claim_id, r.claim_line_number, r.hcpcs_code, r.claim_start_date, r.paid_amount]),
      [
        ['X', '1', 'A', '20090101', '15.00'],
        ['X', '2', 'B', '20090101', null],
        ['X', '3', 'C', '20090101', null],
        ['Y', '1', '', '20090202', '7.00'],
      ],
    );
  });

  it('without an unpivot, a merged claim keeps one row; a filter keeps matching and malformed rows', async () => {
    const merged = await mapped(
      {
        id: 'm',
        role: 'claims',
        description: '',
        detect: { headers: ['CLM'] },
        merge: { key: 'CLM', segment: 'SEG', sum: ['PAY'] },
        columns: {
          claim_id: 'CLM',
          paid_amount: { column: 'PAY', first_line_only: true },
          claim_line_number: { value: '1' },
        },
      },
      [
        { CLM: 'X', SEG: '1', PAY: '1.50' },
        { CLM: 'X', SEG: '2', PAY: '2.00' },
      ],
    );
    assert.deepEqual(
      merged.map((r) => [r.claim_id, r.paid_amount]),
      [['X', '3.50']],
    );
    const filtered = await mapped(
      {
        id: 'f',
        role: 'claims',
        description: '',
        detect: { headers: ['TYPE'] },
        where: { column: 'TYPE', in: ['CHARGE'] },
        columns: { claim_id: 'ID' },
      },
      [
        { ID: '1', TYPE: 'CHARGE' },
        { ID: '2', TYPE: 'PAYMENT' },
        { ID: null, TYPE: null, _ingest_error: 'TOO MANY COLUMNS' },
        { ID: '4', TYPE: ' CHARGE ' },
      ],
    );
    assert.deepEqual(
      filtered.map((r) => r.claim_id),
      [null, '1', '4'],
    );
  });

  it('joins companions (one row per key, the smallest value), maps values and rewrites date layouts', async () => {
    const layout: SourceLayout = {
      id: 'lines',
      role: 'claims',
      description: '',
      detect: { headers: ['CLM'] },
      companions: [{ name: 'members', files: ['members.csv'], key: 'MID', on: 'MEMBER' }],
      columns: {
        claim_id: 'CLM',
        claim_start_date: { column: 'FROM', date_format: 'DD/MM/YYYY' },
        claim_end_date: { column: 'TO', date_format: 'timestamp', values: { '1970-01-01T00:00:00Z': null } },
        claim_type: { column: 'KIND', values: { '1': 'professional', '2': 'institutional' } },
        birth_date: 'members.DOB',
        gender: { column: 'members.SEX', values: { M: 'male', F: 'female' } },
      },
    };
    assert.deepEqual(companionColumnsOf(layout, 'members'), ['DOB', 'SEX']);
    const companion = await rowsOf([
      { MID: 'm1', DOB: '1950-02-03', SEX: 'F' },
      { MID: 'm1', DOB: '1950-02-03', SEX: 'F' },
      { MID: 'm2', DOB: '1980-12-31', SEX: 'M' },
    ]);
    await engine.run(`CREATE TABLE members AS ${companionTable('MID', ['DOB', 'SEX'], companion.relation, sql)}`);
    const rows = await mapped(
      layout,
      [
        { CLM: 'A', MEMBER: 'm1', FROM: '31/01/2024', TO: '2024-02-01T10:00:00Z', KIND: '1' },
        { CLM: 'B', MEMBER: ' m2 ', FROM: '2024-01-31', TO: '1970-01-01T00:00:00Z', KIND: '3' },
        { CLM: 'C', MEMBER: 'm9', FROM: '31/02/2024x', TO: '', KIND: '2' },
      ],
      [{ companion: layout.companions?.[0] as never, relation: 'members', columns: ['DOB', 'SEX'] }],
    );
    assert.deepEqual(
      rows.map((r) => [r.claim_id, r.claim_start_date, r.claim_end_date, r.claim_type, r.birth_date, r.gender]),
      [
        ['A', '2024-01-31', '2024-02-01', 'professional', '1950-02-03', 'female'],
        ['B', '2024-01-31', null, '3', '1980-12-31', 'male'],
        ['C', '31/02/2024x', '', 'institutional', null, null],
      ],
    );
  });

  it('maps by name with explicit columns winning; unmapped source columns are the unknown ones', async () => {
    const layout: SourceLayout = {
      id: 'std',
      role: 'claims',
      description: '',
      detect: { headers: ['claim_id'] },
      match_by_name: true,
      columns: { person_id: 'MEMBER_NO' },
      code_systems: { diagnosis: 'icd-9-cm' },
    };
    const compiled = compileLayout(
      layout,
      { names: ['Claim ID', 'person_id', 'MEMBER_NO', 'Notes'], expr: (n) => sql.quoteIdent(n) },
      [],
      sql,
      'claims.csv',
    );
    assert.deepEqual(Object.fromEntries(compiled.mappings.map((m) => [m.canonical, m.sourceExpr])), {
      claim_id: '"Claim ID"',
      person_id: '"MEMBER_NO"',
      diagnosis_code_type: "'icd-9-cm'",
    });
    assert.deepEqual(compiled.unknownColumns, ['person_id', 'Notes']);
    assert.equal(compiled.reshapes, false);
  });

  it("reads source columns by position in reshaped rows: a header named like a step's column, or equal but for case, is data", async () => {
    // A prepared column, the layout's filter and merge, and source headers that share their names.
    const layout: SourceLayout = {
      id: 'prepared',
      role: 'claims',
      description: '',
      detect: { headers: ['CLM'] },
      prepare: {
        columns: ['_total'],
        sql: (rows, _dialect, column) =>
          `(SELECT *, CAST(SUM(CAST(${column('amount')} AS INTEGER)) OVER (PARTITION BY ${column('clm')}) AS VARCHAR) AS _total FROM ${rows})`,
      },
      where: { column: 'TYPE', in: ['CHARGE'] },
      merge: { key: 'CLM', segment: 'SEG' },
      columns: { claim_id: 'CLM', paid_amount: '_total', payer: 'PAYER' },
    };
    const names = ['CLM', 'TYPE', 'AMOUNT', 'SEG', '_total', 'clm', 'Payer', 'PAYER', '_row_number', '_cf_segment'];
    const rows = [
      ['A', 'CHARGE', '5', '1', 't1', 'c1', 'p1', 'P1', 'r1', 's1'],
      ['A', 'PAYMENT', '7', '2', 't2', 'c2', 'p2', 'P2', 'r2', 's2'],
      ['A', 'CHARGE', '3', '3', 't3', 'c3', 'p3', 'P3', 'r3', 's3'],
    ];
    const table = `positional_${++tables}`;
    const columns = names.map((_, i) => `col_${i + 1} VARCHAR`);
    await engine.run(
      `CREATE TABLE ${table} (_row_number BIGINT, _raw_line VARCHAR, _ingest_error VARCHAR, ${columns.join(', ')})`,
    );
    for (const [i, row] of rows.entries()) {
      await engine.run(`INSERT INTO ${table} VALUES (${i + 1}, NULL, NULL, ${row.map(sql.stringLiteral).join(', ')})`);
    }
    const byName = new Map(names.map((n, i) => [n, `src.col_${i + 1}`]));
    const compiled = compileLayout(
      layout,
      { names, expr: (n) => byName.get(n) ?? assert.fail(n) },
      [],
      sql,
      'claims.csv',
    );
    assert.deepEqual(compiled.unknownColumns, [
      'TYPE',
      'AMOUNT',
      'SEG',
      '_total',
      'clm',
      'PAYER',
      '_row_number',
      '_cf_segment',
    ]);
    const select = [
      ...compiled.mappings.map((m) => `CAST(${m.sourceExpr} AS VARCHAR) AS ${sql.quoteIdent(m.canonical)}`),
      `json_object(${compiled.extras.map((e) => `${sql.stringLiteral(e.name)}, ${e.sourceExpr}`).join(', ')}) AS extras`,
      'src._row_number AS row_number',
    ];
    const result = await engine.query(`SELECT ${select.join(', ')} FROM ${compiled.from(`(SELECT * FROM ${table})`)}`);
    assert.deepEqual(
      result.map((r) => ({ ...r, extras: JSON.parse(String(r.extras)) })),
      [
        {
          claim_id: 'A',
          // The prepared sum over the whole claim (before the filter), not the source's `_total`.
          paid_amount: '15',
          payer: 'p1',
          extras: {
            TYPE: 'CHARGE',
            AMOUNT: '5',
            SEG: '1',
            _total: 't1',
            clm: 'c1',
            PAYER: 'P1',
            _row_number: 'r1',
            _cf_segment: 's1',
          },
          row_number: 1n,
        },
      ],
    );
  });

  it('names the structural columns and required companions a file lacks', () => {
    const layout: SourceLayout = {
      id: 'seg',
      role: 'claims',
      description: '',
      detect: { headers: ['CLM'] },
      merge: { key: 'CLM', segment: 'SEGMENT' },
      companions: [{ name: 'claims', files: ['claims.csv'], key: 'Id', on: 'CLM', required: true }],
    };
    assert.throws(
      () => compileLayout(layout, { names: ['CLM'], expr: (n) => n }, [], sql, 'claims.csv'),
      (error: unknown) =>
        error instanceof LayoutColumnsError && error.missing.join() === 'SEGMENT,claims (companion file)',
    );
  });
});
