import assert from 'node:assert/strict';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import { type DashboardServer, startDashboardServer } from '../../src/web/dashboard-server.ts';
import { launchChromium } from '../support/browser.ts';
import { claimflow, type RunJson, tempDir } from '../support/cli.ts';

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
/** A file name is input too: it must show as text and run nothing. */
const HOSTILE_NAME = 'claims <img src=x onerror=alert(1)>.csv';
const count = (n: number): string => new Intl.NumberFormat('en-US').format(n);

async function generate(out: string, ...options: string[]): Promise<void> {
  const result = await claimflow('generate', '--out', out, '--month', '2025-10', ...options);
  assert.equal(result.code, 0, result.stderr);
}

/** Runs files through `claimflow run` into the root and returns their reports. */
async function run(
  root: string,
  inputs: string[],
  ...flags: string[]
): Promise<{ code: number; reports: ValidationReport[] }> {
  const result = await claimflow('run', ...inputs, '--root', root, '--json', '--run-date', '2026-01-31', ...flags);
  const summary = JSON.parse(result.stdout) as RunJson;
  const reports = await Promise.all(
    summary.files.map(async (f) =>
      JSON.parse(await readFile(f.validation?.report_location ?? assert.fail(f.error ?? 'no report'), 'utf8')),
    ),
  );
  return { code: result.code, reports };
}

const metric = (page: Page, name: string): Promise<string | null> =>
  page.locator(`#view-overview [data-metric="${name}"]`).textContent();

describe('the live dashboard in headless Chromium', () => {
  const problems: string[] = [];
  const requests: string[] = [];
  let dir: string;
  let root: string;
  let first: ValidationReport[];
  /** Every report written so far, read from disk: what the panels are checked against. */
  const all: ValidationReport[] = [];
  let server: DashboardServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    dir = await tempDir('dashboard');
    root = join(dir, 'root');
    await generate(join(dir, 'claims-clean.csv'), '--rows', '2000', '--seed', '31');
    // Defects in a third of the rows: over the 5% threshold, so the file is rejected whole.
    await generate(join(dir, 'claims-noisy.csv'), '--rows', '800', '--seed', '32', '--defect-rate', '0.3');
    const firstRun = await run(root, [join(dir, 'claims-clean.csv'), join(dir, 'claims-noisy.csv')]);
    assert.equal(firstRun.code, 2, 'one file is rejected');
    first = firstRun.reports;
    all.push(...first);
    server = await startDashboardServer({
      root,
      host: '127.0.0.1',
      port: 0,
      token: undefined,
      logger: {
        info: () => {},
        warn: (m, f) => problems.push(`server: ${m} ${JSON.stringify(f)}`),
        error: (m, f) => problems.push(`server: ${m} ${JSON.stringify(f)}`),
      },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(server.url, { waitUntil: 'load' });
    await page.locator('#status[data-updated]').waitFor();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('loads without console errors, page errors or dialogs, fetching only from its own server', () => {
    assert.deepEqual(problems, []);
    const origin = new URL(server.url).origin;
    assert.deepEqual(
      requests.filter((u) => !u.startsWith(`${origin}/`)),
      [],
    );
  });

  it('shows the job counts of the run', async () => {
    const [clean, noisy] = first;
    assert.equal(clean?.validation_status, 'success');
    assert.equal(noisy?.validation_status, 'failed');
    assert.equal(await metric(page, 'files_succeeded'), '1');
    assert.equal(await metric(page, 'files_failed'), '1');
    assert.equal(await metric(page, 'records_processed_total'), count(clean.processed_records));
    assert.equal(await metric(page, 'records_valid_total'), count(clean.summary.valid_records));
    assert.equal(
      await metric(page, 'records_quarantined_total'),
      count(clean.summary.error_records + noisy.summary.error_records),
    );
    assert.equal(await metric(page, 'duplicates_removed_total'), count(clean.duplicates_removed.total));
    assert.equal(await page.locator('#table-jobs tbody tr').count(), 2);
    assert.equal(
      await page.locator('#chart-quality circle.dot').count(),
      first.filter((r) => r.quality !== null).length,
    );
  });

  it('updates without a reload when `claimflow run` processes another file', async () => {
    await page.evaluate(() => {
      (globalThis as { loadedOnce?: boolean }).loadedOnce = true;
    });
    await generate(join(dir, HOSTILE_NAME), '--rows', '1200', '--seed', '33');
    // A second source, so the quality trend has a line per source.
    const second = await run(root, [join(dir, HOSTILE_NAME)], '--data-source', 'acme');
    all.push(...second.reports);
    assert.equal(second.code, 0);
    const published = (first[0]?.processed_records ?? 0) + (second.reports[0]?.processed_records ?? 0);
    await page
      .locator('#view-overview [data-metric="files_succeeded"]', { hasText: /^2$/ })
      .waitFor({ timeout: 30_000 });
    assert.equal(await metric(page, 'records_processed_total'), count(published));
    assert.equal(await page.evaluate(() => (globalThis as { loadedOnce?: boolean }).loadedOnce), true);
    assert.equal(await page.locator('#table-jobs tbody tr').count(), 3);
    assert.equal(await page.locator('#table-jobs td', { hasText: HOSTILE_NAME }).count(), 1);
    assert.equal(await page.locator('img').count(), 0);
    assert.deepEqual(problems, []);
    await mkdir(ARTIFACTS, { recursive: true });
    const png = await page.screenshot({ path: join(ARTIFACTS, 'dashboard-overview.png'), fullPage: true });
    assert.ok(png.length > 20_000);
  });

  it('switches to the operations view, whose report links open the HTML validation reports', async () => {
    await page.getByRole('link', { name: 'Operations' }).click();
    // The view switches on the hash change, after the click returns.
    await page.locator('#view-operations').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await page.locator('#view-overview').isVisible(), false);
    const rows = page.locator('#table-reports tbody tr');
    assert.equal(await rows.count(), 3);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-operations.png'), fullPage: true });
    const clean = first[0] ?? assert.fail();
    const link = page.locator('#table-reports tr', { hasText: clean.job_id }).getByRole('link');
    assert.equal(await link.getAttribute('href'), `reports/${clean.job_id}.html`);
    const [report] = await Promise.all([page.context().waitForEvent('page'), link.click()]);
    await report.waitForLoadState('load');
    assert.equal((await report.locator('h1').textContent())?.trim(), 'claims-clean.csv');
    await report.close();
    assert.deepEqual(problems, []);
  });

  it('leads with what needs attention: failing files, top failing rules, quality per source over time', async () => {
    await page.goto(`${server.url}#overview`, { waitUntil: 'load' });
    await page.locator('#status[data-updated]').waitFor();
    await page.locator('#table-jobs tbody tr').nth(2).waitFor();
    // Failing files: the noisy file, the rule that rejected it, a link to its report.
    const rejected = all.filter((r) => r.validation_status === 'failed');
    assert.equal(rejected.length, 1);
    const noisy = rejected[0] ?? assert.fail();
    const failingRows = page.locator('#table-failing tbody tr');
    assert.equal(await failingRows.count(), 1);
    const cells = await failingRows.first().locator('td').allTextContents();
    assert.deepEqual(cells.slice(1, 3), ['claims-noisy.csv', noisy.file_error?.rule_id ?? assert.fail()]);
    assert.equal(await failingRows.first().getByRole('link').getAttribute('href'), `reports/${noisy.job_id}.html`);
    assert.match((await page.locator('#card-failed').getAttribute('class')) ?? '', /\battention\b/);

    // Top failing rules: the reports' rule counts summed by rule, most rows first.
    const tally = new Map<string, { rows: number; files: number }>();
    for (const report of all)
      for (const rule of report.rules.filter((r) => r.row_count > 0)) {
        const seen = tally.get(rule.rule_id) ?? { rows: 0, files: 0 };
        tally.set(rule.rule_id, { rows: seen.rows + rule.row_count, files: seen.files + 1 });
      }
    const expected = [...tally]
      .sort(([a, x], [b, y]) => y.rows - x.rows || a.localeCompare(b))
      .slice(0, 10)
      .map(([id, t]) => [id, count(t.rows), count(t.files)]);
    assert.ok(expected.length >= 3, 'the generated defects fail several rules');
    const shown = await page
      .locator('#table-rules tbody tr')
      .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.deepEqual(
      shown.map(([id, , rows, files]) => [id, rows, files]),
      expected,
    );

    // Quality per source over time: a line of points per data source, a time axis, not job numbers.
    const series = await page
      .locator('#chart-quality g.series')
      .evaluateAll((groups) =>
        groups.map((g) => [g.getAttribute('data-series'), g.querySelectorAll('circle.dot').length]),
      );
    const scored = (source: string) => all.filter((r) => r.data_source === source && r.quality !== null).length;
    assert.deepEqual(series, [
      ['claimflow', scored('claimflow')],
      ['acme', scored('acme')],
    ]);
    // Dates, or times of day when the jobs span less than a day (here: seconds).
    const timeLabel = /^(\d{4}-\d{2}-\d{2}|\d{2}-\d{2} \d{2}:\d{2}|\d{2}:\d{2}:\d{2})$/;
    for (const chart of ['chart-quality', 'chart-duration', 'chart-cost']) {
      const labels = await page.locator(`#${chart} text.x-label`).allTextContents();
      assert.ok(labels.length > 0, chart);
      for (const label of labels) assert.match(label, timeLabel, `${chart}: ${label}`);
    }

    // Every job in the overview table links its report.
    const links = await page.locator('#table-jobs tbody a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.deepEqual(links.sort(), all.map((r) => `reports/${r.job_id}.html`).sort());

    // Cost comes last: after the jobs table, not among the first cards.
    const top = (selector: string): Promise<number> =>
      page.locator(selector).evaluate((node) => node.getBoundingClientRect().top);
    const order = {
      failing: await top('#panel-failing'),
      jobs: await top('#table-jobs'),
      cost: await top('#cost-cards'),
    };
    assert.ok(order.failing < order.jobs && order.jobs < order.cost, JSON.stringify(order));
    assert.deepEqual(problems, []);
  });

  for (const width of [800, 1400]) {
    it(`fits ${width} px without horizontal overflow, in both views`, async () => {
      await page.setViewportSize({ width, height: 1000 });
      for (const view of ['overview', 'operations']) {
        await page.goto(`${server.url}#${view}`, { waitUntil: 'load' });
        await page.locator('#status[data-updated]').waitFor();
        await page.locator(`#view-${view}`).waitFor({ state: 'visible' });
        // A table may scroll inside its own box only if it has to; none should at these widths.
        const { scrollWidth, innerWidth, wrapped } = (await page.evaluate(`({
          scrollWidth: document.documentElement.scrollWidth,
          innerWidth: window.innerWidth,
          wrapped: [...document.querySelectorAll('.view:not([hidden]) .table-wrap')]
            .filter((w) => w.scrollWidth > w.clientWidth).length,
        })`)) as { scrollWidth: number; innerWidth: number; wrapped: number };
        assert.ok(scrollWidth <= innerWidth, `${view} at ${width} px: scrollWidth ${scrollWidth} > ${innerWidth}`);
        assert.equal(wrapped, 0, `${view} at ${width} px: a table scrolls sideways`);
        await mkdir(ARTIFACTS, { recursive: true });
        const png = await page.screenshot({ path: join(ARTIFACTS, `dashboard-${view}-${width}.png`), fullPage: true });
        assert.ok(png.length > 20_000);
      }
      assert.deepEqual(problems, []);
    });
  }
});
