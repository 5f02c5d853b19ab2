import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { startDashboardServer } from '../../src/web/dashboard-server.ts';
import { claimflow, lit, sql, startClaimflow, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';

const RUN_DATE = ['--run-date', '2026-01-31'];
/** Planted in every claim column but the keys; none may show outside the data outputs. */
const MARKER = 'CNRYQ';
/**
 * Planted in the claim keys (claim_id, claim_line_number), which reports name on purpose (sample
 * rows); followed by markup, which the HTML report must show escaped.
 */
const KEY_MARKER = 'KEYQ';
const KEY_MARKUP = '<b>';
const KEY_COLUMNS = new Set(['claim_id', 'claim_line_number']);
/**
 * Columns whose values can be markers without the row failing a rule (no reference lists are
 * given), so the clean file is published and the success paths (publish, aggregations, warehouse,
 * dashboard) see the markers too.
 */
const FREE_COLUMNS = [
  'claim_id',
  'person_id',
  'member_id',
  'payer',
  'plan',
  'admit_type_code',
  'bill_type_code',
  'discharge_disposition_code',
  'drg_code',
  'drg_code_type',
  'diagnosis_code_type',
  'hcpcs_modifier_1',
  'revenue_center_code',
];
/** Where claim values belong: the published and quarantined data, the archive, the inbox and the inputs. */
const DATA_OUTPUTS = ['processed/', 'quarantine/rows/', 'quarantine/files/', 'archive/', 'raw/'];

const markerFor = (column: string, value: string): string =>
  `${KEY_COLUMNS.has(column) ? KEY_MARKER + KEY_MARKUP : MARKER}${column.length}${column.slice(0, 3)}V${value}`;

/** A loopback receiver standing in for Slack and PagerDuty: every payload is kept for the grep. */
async function startReceiver() {
  const payloads: string[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk;
    });
    request.on('end', () => {
      payloads.push(`${request.url} ${text}`);
      response.writeHead(request.url === '/pagerduty' ? 202 : 200, { 'content-type': 'application/json' });
      response.end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    payloads,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Every file under a root, as text (binary files too: markers are ASCII), by path relative to it. */
async function filesOf(root: string): Promise<Array<{ path: string; text: string }>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile());
  return Promise.all(
    files.map(async (e) => {
      const path = join(e.parentPath, e.name);
      return { path: relative(root, path).split(sep).join('/'), text: (await readFile(path)).toString('latin1') };
    }),
  );
}

describe('canary: claim values never leave the data outputs', () => {
  let dir: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let config: string;
  const inputs = { clean: '', marked: '', broken: '' };
  /** Files the pipeline rejects whole, each by another path: the engine's or a converter's error message. */
  const unreadable: string[] = [];
  const roots: string[] = [];
  /** Everything the product said outside its data outputs: output streams, payloads, HTTP answers. */
  const said: Array<{ where: string; text: string }> = [];

  /** Runs a command with --verbose; returns its exit code, or its stderr when the code is not `expected`. */
  async function cli(name: string, args: string[], expected: number, env: Record<string, string> = {}) {
    const child = startClaimflow([...args, '--verbose'], env);
    const code = (await child.exited) ?? -1;
    said.push({ where: `${name} stderr`, text: child.stderr() });
    assert.equal(code, expected, `${name}: ${child.stderr().slice(-3000)}`);
  }

  async function cliOut(name: string, ...args: string[]): Promise<{ code: number; stdout: string }> {
    const result = await claimflow(...args);
    said.push({ where: `${name} stdout`, text: result.stdout }, { where: `${name} stderr`, text: result.stderr });
    return { code: result.code, stdout: result.stdout };
  }

  before(async () => {
    dir = await tempDir('canary');
    receiver = await startReceiver();
    const generated = join(dir, 'generated.csv');
    await writeClaimsFile(generated, 120, 'csv', { seed: 21, defectRate: 0, month: '2025-10' });
    const [header = '', ...rows] = (await readFile(generated, 'utf8')).trim().split('\n');
    const columns = header.split(',');
    // The clean file: markers where a marker is still a valid value, one per distinct value, so
    // lines of a claim still agree; the rows are published.
    inputs.clean = join(dir, 'clean.csv');
    const clean = rows.map((row) =>
      row
        .split(',')
        .map((v, i) => {
          const column = columns[i] ?? '';
          return FREE_COLUMNS.includes(column) && v !== '' ? markerFor(column, v) : v;
        })
        .join(','),
    );
    await writeFile(inputs.clean, `${header}\n${clean.join('\n')}\n`);
    // The marked file: a distinct marker in every column of every row; every row is quarantined.
    inputs.marked = join(dir, 'marked.csv');
    const marked = rows.map((_, r) => columns.map((c) => markerFor(c, `r${r}`)).join(','));
    await writeFile(inputs.marked, `${header}\n${marked.join('\n')}\n`);
    // NDJSON: every other line cut short, so not JSON; its text is kept as a malformed row's source line.
    inputs.broken = join(dir, 'broken.ndjson');
    const broken = rows.map((_, r) => {
      const line = `{${columns.map((c) => `"${c}": "${markerFor(c, `n${r}`)}"`).join(', ')}}`;
      return r % 2 === 0 ? line : line.slice(0, -10);
    });
    await writeFile(inputs.broken, `${broken.join('\n')}\n`);

    // A JSON array cut short and a CSV with a lone CR: the engine fails on them, quoting what it can.
    const markedText = `${header}\n${marked.join('\n')}\n`;
    const objects = rows.map((_, r) => `{${columns.map((c) => `"${c}": "${markerFor(c, `a${r}`)}"`).join(', ')}}`);
    const rejectedWhole: Array<[string, string | Buffer]> = [
      ['cut.json', `[${objects.join(',\n').slice(0, -200)}`],
      ['stray-cr.csv', markedText.replace(`${MARKER}9`, `${MARKER}9\r`)],
    ];
    // X12 with markers for the patient, the member id, the diagnosis and (a key) the claim id, whole and cut inside the claim.
    const x12 = (await readFile(join(SHARED_DIR, 'samples/x12/uhin/837.edi'), 'latin1'))
      .replace('MARQUARDT*RALPH', `${MARKER}LAST*${MARKER}FIRST`)
      .replace('601239742', `${MARKER}MEMBER`)
      .replace('57018 ABBOTT ROAD', `${MARKER}STREET`)
      .replace('19461111', '19461112')
      .replace('ABK:R69', `ABK:${MARKER}DX`)
      .replace('CLM*1606', `CLM*${KEY_MARKER}${KEY_MARKUP}1606`);
    rejectedWhole.push(['marked.837', x12], ['cut.837', x12.slice(0, x12.indexOf('LX*1'))]);
    for (const [name, content] of rejectedWhole) {
      const path = join(dir, name);
      await writeFile(path, content);
      unreadable.push(path);
    }

    config = join(dir, 'alerts.json');
    await writeFile(
      config,
      JSON.stringify({
        alerts: {
          channels: {
            slack: { type: 'webhook', url: `${receiver.url}/slack`, timeout_ms: 2000 },
            pagerduty: {
              type: 'pagerduty',
              url: `${receiver.url}/pagerduty`,
              routing_key: 'canary-key',
              timeout_ms: 2000,
            },
          },
          routes: {
            critical: ['pagerduty', 'slack', 'log'],
            high: ['slack', 'log'],
            medium: ['slack'],
            low: ['slack', 'log'],
          },
          retry: { max_attempts: 1, base_delay_ms: 1, max_delay_ms: 1 },
        },
      }),
    );

    const all = [inputs.clean, inputs.marked, inputs.broken];
    const runRoot = join(dir, 'run-root');
    roots.push(runRoot);
    // Every row kept (threshold 1): the marked rows go to quarantine; then the default threshold rejects it whole.
    const base = ['--root', runRoot, '--config', config, ...RUN_DATE];
    await cli('run', ['run', ...all, ...base, '--error-threshold', '1'], 0);
    await cli('run rejected', ['run', inputs.marked, inputs.broken, ...unreadable, ...base], 2);
    const validateRoot = join(dir, 'validate-root');
    roots.push(validateRoot);
    await cli('validate', ['validate', ...all, ...unreadable, '--root', validateRoot, ...RUN_DATE], 2);
    // A store that fails: a system error in run (exit 3) and dead letters in watch.
    const faultyRoot = join(dir, 'faulty-root');
    roots.push(faultyRoot);
    const faults = { CLAIMFLOW_FAULTS: 'publish' };
    await cli('run failing', ['run', inputs.clean, '--root', faultyRoot, '--config', config, ...RUN_DATE], 3, faults);

    const watchRoot = join(dir, 'watch-root');
    const deadRoot = join(dir, 'dead-root');
    roots.push(watchRoot, deadRoot);
    for (const root of [watchRoot, deadRoot]) {
      await mkdir(join(root, 'raw/claims'), { recursive: true });
      for (const input of [...all, ...unreadable]) {
        await copyFile(input, join(root, 'raw/claims', input.split('/').pop() ?? ''));
      }
    }
    const watch = ['watch', '--once', '--settle-ms', '200', '--config', config, ...RUN_DATE];
    await cli('watch', [...watch, '--root', watchRoot], 2); // --once exits 2: marked and broken files are rejected whole
    const dead = [...watch, '--root', deadRoot, '--max-attempts', '2', '--retry-base-ms', '1'];
    await cli('watch failing', dead, 3, faults); // --once exits 3: work was dead-lettered
    const letters = await cliOut('dlq list', 'dlq', 'list', '--root', deadRoot, '--json');
    assert.ok((JSON.parse(letters.stdout) as unknown[]).length > 0, 'the failing watch dead-lettered its work');
    await cliOut('events', 'events', '--root', watchRoot);
    await cliOut('events failing', 'events', '--root', deadRoot);

    // The dashboard of the watched root: the page, the JSON API, /metrics and every HTML report.
    const problems: string[] = [];
    const server = await startDashboardServer({
      root: watchRoot,
      host: '127.0.0.1',
      port: 0,
      token: undefined,
      logger: {
        info: () => {},
        warn: (m, f) => problems.push(`${m} ${JSON.stringify(f)}`),
        error: (m, f) => problems.push(`${m} ${JSON.stringify(f)}`),
      },
    });
    try {
      const reports = (await readdir(join(watchRoot, 'validation-reports'))).filter((n) => n.endsWith('.html'));
      for (const path of ['/', '/api/metrics', '/api/operations', '/metrics', ...reports.map((r) => `/reports/${r}`)]) {
        const response = await fetch(`${server.url}${path.slice(1)}`);
        assert.equal(response.status, 200, path);
        said.push({ where: `dashboard ${path}`, text: await response.text() });
      }
    } finally {
      await server.close();
    }
    said.push({ where: 'dashboard log', text: problems.join('\n') });
    said.push(...receiver.payloads.map((text) => ({ where: 'alert payload', text })));
  });

  after(() => receiver?.close());

  it('plants markers that reach the data outputs, so their absence elsewhere means something', async () => {
    const root = join(dir, 'run-root');
    const [published] = await sql(
      `SELECT COUNT(*) AS n FROM read_parquet(${lit(join(root, 'processed/claims/*/*/*.parquet'))}) WHERE payer LIKE '${MARKER}%'`,
    );
    assert.ok(Number(published?.n) > 100, 'the clean rows are published with their markers');
    const [quarantined] = await sql(
      `SELECT COUNT(*) AS n FROM read_parquet(${lit(join(root, 'quarantine/rows/*.parquet'))})
       WHERE claim_type LIKE '${MARKER}%' OR extra_columns LIKE '%${MARKER}%'`,
    );
    assert.equal(Number(quarantined?.n), 240, 'the marked and the broken rows are quarantined with their markers');
    const archived = (await filesOf(root)).filter((f) => f.path.startsWith('archive/'));
    assert.ok(archived.length >= 3 && archived.every((f) => f.text.includes(MARKER) || f.text.includes(KEY_MARKER)));
    assert.ok(receiver.payloads.length > 0, 'alerts were delivered to the webhook');
    assert.ok(
      said.some((s) => s.where.startsWith('dashboard /reports/')),
      'reports were served',
    );
  });

  it('finds no marker in any log, event, alert payload, report, metric, ledger, dead letter or HTTP answer', async () => {
    const leaks: string[] = [];
    const check = (where: string, text: string, keysAllowed: boolean): void => {
      for (const marker of keysAllowed ? [MARKER] : [MARKER, KEY_MARKER]) {
        const at = text.indexOf(marker);
        if (at >= 0) leaks.push(`${where}: …${text.slice(Math.max(0, at - 80), at + 40).replace(/\s+/g, ' ')}…`);
      }
    };
    for (const root of roots) {
      for (const file of await filesOf(root)) {
        if (DATA_OUTPUTS.some((prefix) => file.path.startsWith(prefix))) continue;
        // Reports name failing rows by row number and claim key, by design (docs/output-layout.md).
        check(`${root.split('/').pop()}/${file.path}`, file.text, file.path.startsWith('validation-reports/'));
      }
    }
    for (const s of said) check(s.where, s.text, s.where.startsWith('dashboard /reports/'));
    assert.deepEqual(leaks, []);
  });

  it('shows the claim keys of sample rows escaped in every HTML report, as the dashboard serves them', async () => {
    const pages = said.filter((s) => s.where.startsWith('dashboard /reports/'));
    for (const root of roots) {
      const reports = (await filesOf(root)).filter((f) => f.path.endsWith('.html'));
      pages.push(...reports.map((f) => ({ where: f.path, text: f.text })));
    }
    const escaped = `${KEY_MARKER}&lt;b&gt;`;
    assert.ok(
      pages.some((p) => p.text.includes(escaped)),
      'some report names a sample row by its marked claim key',
    );
    for (const page of pages) assert.ok(!page.text.includes(`${KEY_MARKER}${KEY_MARKUP}`), page.where);
  });
});
