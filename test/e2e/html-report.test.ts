import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { DEDUPE_RULES, ROW_RULES } from '../../src/domain/rule-catalog.ts';
import { renderHtmlReport } from '../../src/pipeline/render-html-report.ts';
import type { RuleCount, ValidationReport } from '../../src/pipeline/validation-report.ts';
import { toRuleCount } from '../../src/pipeline/validation-report.ts';
import { launchChromium } from '../support/browser.ts';
import { claimflow, type RunJson } from '../support/cli.ts';

const SCREENSHOT = fileURLToPath(new URL('../../test-artifacts/html-report.png', import.meta.url));
const HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>';
const INPUT_FILE = 'acme_claims_2026-01.csv';

/** Failed-row counts for some catalog rules; the rest of the catalog passes. */
const FAILURES: Readonly<Record<string, number>> = {
  required_field_missing: 41,
  invalid_date_format: 23,
  invalid_npi: 37,
  invalid_icd10cm_format: 18,
  invalid_amount: 9,
  paid_exceeds_allowed: 12,
  negative_amount: 6,
  late_claim: 412,
  missing_pos_professional: 27,
  multiple_persons_per_claim: 4,
};

const SKIPPED: Readonly<Record<string, string>> = {
  unknown_icd10cm_code: 'No ICD-10-CM reference list was given.',
  invalid_drg: 'Disabled in the config.',
};

function makeSamples(ruleIndex: number, count: number): RuleCount['samples'] {
  return Array.from({ length: Math.min(count, 20) }, (_, i) => {
    const row = 2 + ruleIndex * 97 + i * 131;
    return { source_row_number: row, claim_id: `CLM${String(100000 + row).padStart(8, '0')}`, claim_line_number: '1' };
  });
}

/** A month of claims as the pipeline reports it, rules taken from the real catalog. */
function makeRealisticReport(): ValidationReport {
  const rules: RuleCount[] = [...ROW_RULES, ...DEDUPE_RULES]
    .filter((rule) => !(rule.id in SKIPPED))
    .map((rule, i) => {
      const rowCount = FAILURES[rule.id] ?? 0;
      return toRuleCount(rule, rowCount, makeSamples(i, rowCount));
    });
  // A hostile claim id in a sample must show as text, never run.
  const firstFailing = rules.findIndex((r) => r.row_count > 0);
  const hostileRule = rules[firstFailing];
  assert.ok(hostileRule);
  rules[firstFailing] = {
    ...hostileRule,
    samples: [{ source_row_number: 1, claim_id: HOSTILE, claim_line_number: '1' }, ...hostileRule.samples.slice(1)],
  };
  return {
    validation_status: 'success',
    report_location: '/data/root/validation-reports/claims-etl-20260131-120000-0001.json',
    html_report_location: '/data/root/validation-reports/claims-etl-20260131-120000-0001.html',
    summary: { total_records: 3000, valid_records: 2864, error_records: 136 },
    job_id: 'claims-etl-20260131-120000-0001',
    input_file: INPUT_FILE,
    file_sha256: '9f2c4e1d7a0b3c5e8f6a1d2b4c7e9f0a3b5d6c8e1f2a4b7c9d0e3f5a6b8c1d2e',
    format: 'csv',
    data_source: 'acme',
    started_at: '2026-01-31T12:00:00.000Z',
    finished_at: '2026-01-31T12:00:03.412Z',
    processed_records: 2851,
    duplicates_removed: { exact: 9, conflicting_key: 4, total: 13 },
    quality: {
      score: 93.1,
      grade: 'B',
      dimensions: {
        completeness: { score: 97.7, failed_rows: 68 },
        validity: { score: 96.5, failed_rows: 105 },
        consistency: { score: 99.3, failed_rows: 22 },
        uniqueness: { score: 99.6, failed_rows: 13 },
        timeliness: { score: 86.3, failed_rows: 412 },
      },
    },
    rules,
    skipped_rules: Object.entries(SKIPPED).map(([rule_id, reason]) => ({ rule_id, reason })),
    file_error: null,
    unknown_columns: ['legacy_member_key', HOSTILE],
    missing_optional_columns: 3,
    outputs: { processed: [], quarantine_rows: null, quarantine_file: null, archive: null },
    timings_ms: { validate: 812, publish: 455 },
  };
}

/** Serves one file at /report.html, as a bucket or static host would. */
async function startServer(file: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url !== '/report.html') {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/report.html` };
}

describe('HTML validation report in headless Chromium', () => {
  const report = makeRealisticReport();
  const failingRules = report.rules.filter((r) => r.row_count > 0);
  const problems: string[] = [];
  const requests: string[] = [];
  let dir: string;
  let server: Server;
  let url: string;
  let browser: Browser;
  let page: Page;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claimflow-html-report-'));
    const file = join(dir, 'report.html');
    await writeFile(file, renderHtmlReport(report));
    ({ server, url } = await startServer(file));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    // An alert would mean escaping failed; dismiss it so the test reports it instead of hanging.
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(url, { waitUntil: 'load' });
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads without console errors, page errors or dialogs', () => {
    assert.deepEqual(problems, []);
  });

  it('fetches nothing but the page itself', () => {
    assert.deepEqual(requests, [url]);
  });

  it('names the file in the title and heading', async () => {
    assert.match(await page.title(), new RegExp(INPUT_FILE.replace(/[.]/g, '\\.')));
    assert.equal((await page.locator('h1').textContent())?.trim(), INPUT_FILE);
  });

  it('draws one bar per rule with failed rows', async () => {
    assert.ok(failingRules.length > 0);
    assert.equal(await page.locator('svg.chart rect.bar').count(), failingRules.length);
  });

  it('shows hostile values as text and runs nothing', async () => {
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.locator('img').count(), 0);
    const columns = await page.locator('ul.columns li').allTextContents();
    assert.deepEqual(columns, ['legacy_member_key', HOSTILE]);
    const samples = await page.locator('tr.samples li').allTextContents();
    assert.ok(samples.includes(`row 1 (claim ${HOSTILE} line 1)`));
  });

  it('takes a full-page screenshot', async () => {
    await mkdir(join(SCREENSHOT, '..'), { recursive: true });
    const png = await page.screenshot({ path: SCREENSHOT, fullPage: true });
    assert.ok(png.length > 10_000);
  });
});

describe('the HTML report `claimflow run` writes for a generated file, in headless Chromium', () => {
  it('renders without console errors, with one bar per failing rule, and is screenshotted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claimflow-html-generated-'));
    let server: Server | undefined;
    let browser: Browser | undefined;
    try {
      const input = join(dir, 'claims.csv');
      assert.equal(
        (await claimflow('generate', '--rows', '3000', '--out', input, '--seed', '3', '--month', '2025-10')).code,
        0,
      );
      const result = await claimflow('run', input, '--root', join(dir, 'root'), '--json', '--run-date', '2026-01-31');
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout) as RunJson;
      const json = JSON.parse(
        await readFile(summary.files[0]?.validation?.report_location ?? '', 'utf8'),
      ) as ValidationReport;
      let url: string;
      ({ server, url } = await startServer(json.html_report_location));
      browser = await launchChromium();
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      await page.goto(url, { waitUntil: 'load' });
      assert.deepEqual(problems, []);
      assert.equal((await page.locator('h1').textContent())?.trim(), 'claims.csv');
      const failing = json.rules.filter((r) => r.row_count > 0).length;
      assert.ok(failing > 0);
      assert.equal(await page.locator('svg.chart rect.bar').count(), failing);
      await mkdir(join(SCREENSHOT, '..'), { recursive: true });
      await page.screenshot({ path: SCREENSHOT.replace('.png', '-generated.png'), fullPage: true });
    } finally {
      await browser?.close();
      await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
