import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClaimFileError } from '../domain/errors.ts';
import { ROW_RULES } from '../domain/rule-catalog.ts';
import { duckdbDialect } from './duckdb-dialect.ts';
import { buildEnginePlan, type EnginePlanRequest, MissingCodeSetError } from './engine-plan.ts';

const request = (bytes: string, overrides: Partial<EnginePlanRequest> = {}): EnginePlanRequest => ({
  dialect: duckdbDialect,
  jobId: 'claims-etl-20260131-102030-0001',
  fileName: 'claims.json',
  inputPath: '/data/claims.json',
  head: { bytes: Buffer.from(bytes), gzip: false },
  settings: {
    plan: {
      rules: ROW_RULES.filter((r) => !r.requires),
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
  codeSetFiles: new Map(),
  locate: (key) => `/out/${key}`,
  ...overrides,
});

const RECORD =
  '{"claim_id":"C1","claim_line_number":"1","claim_type":"professional","person_id":"P1","claim_start_date":"2025-01-01","claim_end_date":"2025-01-01"}';

describe('buildEnginePlan', () => {
  it('describes a JSON array input with the keys of its head, and puts outputs under temp/<job_id>', () => {
    const plan = buildEnginePlan(request(`[${RECORD},\n${RECORD.replace('}', ',"plan":"gold"}')}]`));
    assert.deepEqual(plan.input, {
      view: 'source_rows',
      path: '/data/claims.json',
      format: 'json',
      compression: 'none',
      delimiter: null,
      columns: [
        ...['claim_end_date', 'claim_id', 'claim_line_number', 'claim_start_date', 'claim_type', 'person_id'],
        'plan',
      ],
      view_columns: ['col_1', 'col_2', 'col_3', 'col_4', 'col_5', 'col_6', 'col_7'],
    });
    assert.deepEqual(plan.code_sets, {});
    assert.equal(
      plan.statements.find((s) => s.name === 'summary')?.output?.path,
      '/out/temp/claims-etl-20260131-102030-0001/summary',
    );
  });

  it('refuses a file the pipeline would reject before reading its rows', () => {
    const rejected = (bytes: string, fileName = 'claims.csv') => {
      try {
        buildEnginePlan(request(bytes, { fileName }));
        return null;
      } catch (error) {
        return error instanceof ClaimFileError ? error.ruleId : error;
      }
    };
    assert.equal(rejected(''), 'empty_file');
    assert.equal(rejected('claim_id\u0000,x'), 'unreadable_file');
    assert.equal(rejected('claim_id,claim_type\nC1,professional\n'), 'missing_required_column');
  });

  it('names a reference list the rules need but no file was given for', () => {
    const { settings } = request('');
    const everyRule = { settings: { ...settings, plan: { ...settings.plan, rules: ROW_RULES } } };
    assert.throws(
      () => buildEnginePlan(request(`[${RECORD}]`, everyRule)),
      (error) => error instanceof MissingCodeSetError && error.set === 'place_of_service',
    );
  });
});
