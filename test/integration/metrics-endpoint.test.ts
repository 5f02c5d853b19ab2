import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Metrics } from '../../src/pipeline/metrics/compute-metrics.ts';
import type { Operations } from '../../src/pipeline/metrics/summarize-operations.ts';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import { type DashboardServer, startDashboardServer } from '../../src/web/dashboard-server.ts';
import { claimflow, type RunJson, tempDir } from '../support/cli.ts';
import { parsePrometheusText, sampleValue } from '../support/prometheus-text.ts';

const TOKEN = 'it-0123456789abcdefXYZ';
const silent = { info: () => {}, warn: () => {}, error: () => {} };
/** Columns whose values identify a member or a claim: none may show up in monitoring output. */
const IDENTIFYING = ['claim_id', 'person_id', 'member_id', 'rendering_npi', 'diagnosis_code_1'];

/** A GET with the path and Host header exactly as given (fetch would normalise both). */
function rawGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function runFile(input: string, root: string): Promise<ValidationReport> {
  const result = await claimflow('run', input, '--root', root, '--json', '--run-date', '2026-01-31');
  assert.ok(result.code === 0 || result.code === 2, result.stderr);
  const summary = JSON.parse(result.stdout) as RunJson;
  const location = summary.files[0]?.validation?.report_location ?? assert.fail('no report');
  return JSON.parse(await readFile(location, 'utf8')) as ValidationReport;
}

async function identifyingValues(csv: string): Promise<string[]> {
  const [header = '', ...lines] = (await readFile(csv, 'utf8')).trim().split('\n');
  const columns = header.split(',').map((name, i) => [name, i] as const);
  const wanted = columns.filter(([name]) => IDENTIFYING.includes(name)).map(([, i]) => i);
  const values = lines.flatMap((line) => wanted.map((i) => line.split(',')[i] ?? ''));
  return [...new Set(values.filter((v) => v.length >= 5))];
}

describe('/metrics and the JSON API over a root written by `claimflow run`', () => {
  let dir: string;
  let root: string;
  let good: ValidationReport;
  let bad: ValidationReport;
  let server: DashboardServer;
  let claimValues: string[];

  before(async () => {
    dir = await tempDir('metrics');
    root = join(dir, 'root');
    const input = join(dir, 'claims.csv');
    const generated = await claimflow(
      'generate',
      '--rows',
      '1500',
      '--out',
      input,
      '--seed',
      '21',
      '--month',
      '2025-10',
      '--defect-rate',
      '0.05',
    );
    assert.equal(generated.code, 0, generated.stderr);
    good = await runFile(input, root);
    await writeFile(join(dir, 'bad.csv'), 'foo,bar\n1,2\n');
    bad = await runFile(join(dir, 'bad.csv'), root);
    claimValues = await identifyingValues(input);
    server = await startDashboardServer({ root, host: '127.0.0.1', port: 0, token: undefined, logger: silent });
  });

  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves Prometheus text whose counts equal the reports of the run', async () => {
    assert.ok(good.summary.error_records > 0 && good.duplicates_removed.total > 0, 'the file has defects');
    assert.equal(bad.validation_status, 'failed');
    const response = await fetch(`${server.url}metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = parsePrometheusText(await response.text());
    const value = (name: string, labels: Record<string, string> = {}) => sampleValue(text, `claimflow_${name}`, labels);
    assert.equal(value('records_processed_total'), good.processed_records);
    assert.equal(value('records_valid_total'), good.summary.valid_records);
    assert.equal(value('records_quarantined_total'), good.summary.error_records);
    assert.equal(value('duplicates_removed_total'), good.duplicates_removed.total);
    assert.equal(value('files_processed_total', { status: 'SUCCEEDED' }), 1);
    assert.equal(value('files_processed_total', { status: 'FAILED' }), 1);
    assert.equal(value('records_processed_per_hour'), good.processed_records);
    assert.equal(value('error_rate'), good.summary.error_records / good.summary.total_records);
    assert.equal(value('quality_score'), good.quality?.score);
    for (const stage of new Set([...Object.keys(good.timings_ms), ...Object.keys(bad.timings_ms)])) {
      const runs = [good, bad].filter((r) => stage in r.timings_ms);
      assert.equal(
        value('stage_duration_ms_sum', { stage }),
        runs.reduce((sum, r) => sum + (r.timings_ms[stage] ?? 0), 0),
        stage,
      );
      assert.equal(value('stage_duration_ms_count', { stage }), runs.length, stage);
    }
    const took = (r: ValidationReport) => Date.parse(r.finished_at) - Date.parse(r.started_at);
    assert.equal(value('job_duration_ms_sum'), took(good) + took(bad));
    assert.equal(value('job_duration_ms_count'), 2);
    assert.deepEqual([value('files_in_flight'), value('inbox_backlog'), value('dlq_depth')], [0, 0, 0]);
    assert.ok((value('estimated_cost_usd', { scope: 'total' }) ?? 0) > 0);
  });

  it('serves the same numbers as JSON, per job as well, and the operations view', async () => {
    const metrics = (await (await fetch(`${server.url}api/metrics`)).json()) as Metrics;
    assert.equal(metrics.records_processed_total, good.processed_records);
    assert.deepEqual(
      metrics.jobs.map((j) => [j.job_id, j.status, j.records_processed, j.quality_score]),
      [
        [bad.job_id, 'FAILED', 0, null],
        [good.job_id, 'SUCCEEDED', good.processed_records, good.quality?.score],
      ],
    );
    const costs = metrics.jobs.map((j) => j.estimated_cost_usd ?? 0);
    assert.equal(
      metrics.estimated_cost_usd.total,
      costs.reduce((a, b) => a + b, 0),
    );
    const operations = (await (await fetch(`${server.url}api/operations`)).json()) as Operations;
    assert.deepEqual(
      operations.reports.map((r) => [r.job_id, r.kind, r.report_url]),
      [
        [bad.job_id, 'run', `reports/${bad.job_id}.html`],
        [good.job_id, 'run', `reports/${good.job_id}.html`],
      ],
    );
  });

  it('puts no claim value in /metrics or the JSON API', async () => {
    assert.ok(claimValues.length > 1000, `${claimValues.length} identifying values to look for`);
    const bodies = await Promise.all(
      ['metrics', 'api/metrics', 'api/operations'].map(async (path) => (await fetch(`${server.url}${path}`)).text()),
    );
    for (const body of bodies) {
      const leaked = claimValues.filter((v) => body.includes(v));
      assert.deepEqual(leaked, []);
    }
  });

  it('serves the HTML reports of validation-reports/ under their own CSP, and nothing outside that folder', async () => {
    const page = await fetch(`${server.url}reports/${good.job_id}.html`);
    assert.equal(page.status, 200);
    assert.equal(
      page.headers.get('content-security-policy'),
      "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
    );
    assert.match(await page.text(), /<h1>claims\.csv<\/h1>/);
    await writeFile(join(root, 'secret.html'), 'outside the reports folder');
    await symlink(join(root, 'secret.html'), join(root, 'validation-reports', 'link.html'));
    const attempts = [
      `/reports/${good.job_id}.json`,
      '/reports/..%2Fsecret.html',
      '/reports/%2e%2e%2fsecret.html',
      '/reports/../secret.html',
      '/reports/..%5csecret.html',
      '/reports/link.html',
      '/reports/.html',
      '/static/..%2Fdashboard-app.ts',
      '/ledger.sqlite',
    ];
    for (const path of attempts) {
      const response = await rawGet(server.port, path, { Host: `127.0.0.1:${server.port}` });
      assert.equal(response.status, 404, path);
      assert.ok(!response.body.includes('outside the reports folder'), path);
    }
  });

  it('answers only requests whose Host names this machine, so a rebound DNS name reads nothing', async () => {
    assert.equal((await rawGet(server.port, '/metrics', { Host: `localhost:${server.port}` })).status, 200);
    assert.equal((await rawGet(server.port, '/metrics', { Host: `attacker.example:${server.port}` })).status, 421);
    assert.equal((await rawGet(server.port, '/api/metrics', { Host: 'attacker.example' })).status, 421);
  });

  it('sends a strict CSP and no-store on the page and the API', async () => {
    for (const path of ['', 'api/metrics', 'metrics', 'static/dashboard.js']) {
      const response = await fetch(`${server.url}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-security-policy') ?? '', /^default-src 'none'; script-src 'self';/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(response.headers.get('cache-control'), 'no-store');
    }
  });
});

describe('the dashboard with a bearer token', () => {
  let dir: string;
  let server: DashboardServer;

  before(async () => {
    dir = await tempDir('metrics-token');
    // A non-loopback bind is allowed because a token is set; requests still come over loopback.
    server = await startDashboardServer({ root: dir, host: '0.0.0.0', port: 0, token: TOKEN, logger: silent });
  });

  after(async () => {
    await server?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('refuses every request without the token, with a wrong one, or with another scheme', async () => {
    const base = `http://127.0.0.1:${server.port}/`;
    for (const path of ['', 'metrics', 'api/metrics', 'api/operations', 'static/dashboard.js', 'reports/x.html']) {
      for (const authorization of [undefined, 'Bearer wrong-0123456789abcdef', `Basic ${TOKEN}`, TOKEN]) {
        const response = await fetch(`${base}${path}`, {
          headers: authorization ? { Authorization: authorization } : {},
        });
        assert.ok([400, 401].includes(response.status), `${path} ${authorization}: ${response.status}`);
      }
    }
  });

  it('serves every request that carries it', async () => {
    const headers = { Authorization: `Bearer ${TOKEN}` };
    const base = `http://127.0.0.1:${server.port}/`;
    assert.equal((await fetch(`${base}`, { headers })).status, 200);
    const metrics = await fetch(`${base}metrics`, { headers });
    assert.equal(metrics.status, 200);
    assert.equal(sampleValue(parsePrometheusText(await metrics.text()), 'claimflow_files_in_flight'), 0);
  });
});

describe('dashboardCommand in its own process', () => {
  const SCRIPT = `import { dashboardCommand, dashboardFlagsSchema } from ${JSON.stringify(
    fileURLToPath(new URL('../../src/cli/dashboard-command.ts', import.meta.url)),
  )};
process.exitCode = await dashboardCommand(dashboardFlagsSchema.parse(JSON.parse(process.argv[2])));
`;
  let dir: string;

  before(async () => {
    dir = await tempDir('dashboard-command');
    await writeFile(join(dir, 'serve.mts'), SCRIPT);
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function start(flags: object, env: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', join(dir, 'serve.mts'), JSON.stringify(flags)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const url = new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
        const match = /claimflow dashboard: (http:\/\/\S+)/.exec(stderr);
        if (match?.[1]) resolve(match[1]);
      });
      child.on('close', () => reject(new Error(`exited before serving: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    return { child, url, exited, stderr: () => stderr };
  }

  it('refuses a non-loopback bind without a token', async () => {
    const run = start({ root: dir, host: '0.0.0.0', port: 0 }, { CLAIMFLOW_DASHBOARD_TOKEN: '' });
    await assert.rejects(run.url, /reachable from other machines: give a token/);
    assert.notEqual(await run.exited, 0);
  });

  it('takes the token from CLAIMFLOW_DASHBOARD_TOKEN, prints the URL, and stops cleanly on SIGTERM', async () => {
    const run = start({ root: dir, host: '0.0.0.0', port: 0 }, { CLAIMFLOW_DASHBOARD_TOKEN: TOKEN });
    const url = await run.url;
    const port = new URL(url).port;
    assert.match(url, /^http:\/\/0\.0\.0\.0:\d+\/$/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 401);
    const ok = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(ok.status, 200);
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.stderr());
    assert.match(run.stderr(), /SIGTERM, stopping/);
  });
});
