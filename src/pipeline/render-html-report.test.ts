import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml } from './html-report/html-text.ts';
import { describeSample, sampleLabelsOf } from './html-report/rule-sections.ts';
import { renderHtmlReport } from './render-html-report.ts';
import type { RuleCount, ValidationReport } from './validation-report.ts';

const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';

function makeRule(overrides: Partial<RuleCount> & Pick<RuleCount, 'rule_id'>): RuleCount {
  return {
    description: 'A test rule.',
    source: 'test',
    action: 'quarantine',
    severity: 'high',
    dimension: 'validity',
    row_count: 0,
    samples: [],
    ...overrides,
  };
}

function makeReport(overrides: Partial<ValidationReport> = {}): ValidationReport {
  return {
    validation_status: 'success',
    report_location: '/root/validation-reports/job.json',
    html_report_location: '/root/validation-reports/job.html',
    summary: { total_records: 100, valid_records: 90, error_records: 10 },
    job_id: 'claims-etl-20260131-120000-0001',
    input_file: 'claims.csv',
    file_sha256: 'ab'.repeat(32),
    format: 'csv',
    data_source: 'acme',
    started_at: '2026-01-31T12:00:00.000Z',
    finished_at: '2026-01-31T12:00:02.500Z',
    processed_records: 88,
    duplicates_removed: { exact: 1, conflicting_key: 1, total: 2 },
    quality: {
      score: 93.4,
      grade: 'B',
      dimensions: {
        completeness: { score: 98, failed_rows: 2 },
        validity: { score: 92, failed_rows: 8 },
        consistency: { score: 100, failed_rows: 0 },
        uniqueness: { score: 98, failed_rows: 2 },
        timeliness: { score: 75, failed_rows: 25 },
      },
    },
    rules: [
      makeRule({
        rule_id: 'invalid_npi',
        row_count: 8,
        samples: [{ source_row_number: 4, claim_id: 'C-1', claim_line_number: '2' }],
      }),
      makeRule({ rule_id: 'late_claim', action: 'warn', dimension: 'timeliness', row_count: 25 }),
      makeRule({ rule_id: 'invalid_gender', row_count: 0 }),
    ],
    skipped_rules: [{ rule_id: 'unknown_hcpcs_code', reason: 'no HCPCS reference list given' }],
    file_error: null,
    unknown_columns: ['extra_col'],
    missing_optional_columns: 0,
    outputs: { processed: [], quarantine_rows: null, quarantine_file: null, archive: null },
    timings_ms: {},
    ...overrides,
  };
}

const countOf = (html: string, needle: string): number => html.split(needle).length - 1;

/** The CSP meta tag's `http-equiv` is the one legitimate "http" on the page; no URL may appear. */
const assertNoUrls = (html: string): void => {
  assert.equal(countOf(html, 'http-equiv='), 1);
  assert.equal(html.replace('http-equiv=', '').includes('http'), false);
  assert.doesNotMatch(html, /(src|href)=|url\(|@import|\/\//i);
};

describe('renderHtmlReport', () => {
  it('escapes every hostile value taken from the report', () => {
    const html = renderHtmlReport(
      makeReport({
        input_file: `${SCRIPT}${IMG}.csv`,
        unknown_columns: [SCRIPT, IMG],
        rules: [
          makeRule({
            rule_id: IMG,
            description: SCRIPT,
            row_count: 3,
            samples: [{ source_row_number: 7, claim_id: `${SCRIPT}${IMG}`, claim_line_number: IMG }],
          }),
        ],
        skipped_rules: [{ rule_id: SCRIPT, reason: IMG }],
      }),
    );
    assert.doesNotMatch(html, /<script/i);
    assert.doesNotMatch(html, /<img/i);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /&quot;&gt;&lt;img src=x onerror=alert\(1\)&gt;/);
  });

  it('has no script, no external URL and a locking Content-Security-Policy', () => {
    const html = renderHtmlReport(makeReport());
    assert.doesNotMatch(html, /<script/i);
    assertNoUrls(html);
    assert.match(html, /<meta charset="utf-8">/);
    assert.ok(
      html.includes(
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
      ),
    );
  });

  it('draws one bar per rule with failed rows, coloured by action', () => {
    const html = renderHtmlReport(makeReport());
    assert.equal(countOf(html, '<rect class="bar"'), 2);
    assert.match(html, /<rect class="bar"[^>]*fill="#e6a700"><title>late_claim: 25 rows \(warn\)/);
    assert.match(html, /<rect class="bar"[^>]*fill="#d9480f"><title>invalid_npi: 8 rows \(quarantine\)/);
  });

  it('lists every rule with its samples, the skipped rules and unknown columns', () => {
    const html = renderHtmlReport(makeReport());
    for (const id of ['invalid_npi', 'late_claim', 'invalid_gender', 'unknown_hcpcs_code', 'extra_col']) {
      assert.ok(html.includes(id), id);
    }
    assert.ok(html.includes('row 4 (claim C-1 line 2)'));
    assert.ok(html.includes('no HCPCS reference list given'));
    assert.ok(html.includes('93.4'));
  });

  it('renders a rejected file: no quality score, the file error shown, no chart', () => {
    const html = renderHtmlReport(
      makeReport({
        validation_status: 'failed',
        quality: null,
        file_error: { rule_id: 'missing_required_column', reason: 'The header lacks claim_id.' },
        summary: { total_records: 0, valid_records: 0, error_records: 0 },
        processed_records: 0,
        rules: [],
        skipped_rules: [],
        unknown_columns: [],
      }),
    );
    assert.match(html, /badge-failed/);
    assert.ok(html.includes('missing_required_column'));
    assert.ok(html.includes('The header lacks claim_id.'));
    assert.ok(html.includes('Not scored'));
    assert.equal(countOf(html, '<rect'), 0);
    assertNoUrls(html);
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-special characters', () => {
    assert.equal(escapeHtml(`&<>"'`), '&amp;&lt;&gt;&quot;&#39;');
    assert.equal(escapeHtml(42), '42');
  });
});

describe('describeSample', () => {
  it('leaves out identifiers the row lacks', () => {
    assert.equal(
      describeSample({ source_row_number: 3, claim_id: 'C9', claim_line_number: '1' }),
      'row 3 (claim C9 line 1)',
    );
    assert.equal(describeSample({ source_row_number: 3, claim_id: 'C9', claim_line_number: null }), 'row 3 (claim C9)');
    assert.equal(describeSample({ source_row_number: 3, claim_id: null, claim_line_number: null }), 'row 3');
  });

  it("names a table's own identifiers: a provider row by its NPI", () => {
    const sample = { source_row_number: 9, claim_id: '1456789010', claim_line_number: null };
    assert.equal(describeSample(sample, sampleLabelsOf('provider')), 'row 9 (NPI 1456789010)');
    assert.equal(describeSample(sample, sampleLabelsOf(undefined)), 'row 9 (claim 1456789010)');
    assert.deepEqual(sampleLabelsOf('pharmacy_claim'), ['claim', 'line']);
  });
});
