import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { SMTPServer } from 'smtp-server';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { startClaimflow, tempDir } from '../support/cli.ts';

const RUN_DATE = ['--run-date', '2026-01-31'];
const PAGERDUTY_KEY = 'R0UT1NGKEY-test-0001';
const SMTP_PASSWORD = 's3cret-smtp';

interface Posted {
  readonly path: string;
  readonly status: number;
  readonly text: string;
  readonly json: Record<string, unknown>;
}

/** A loopback HTTP receiver standing in for Slack and PagerDuty; a path can be told to fail its next requests. */
async function startReceiver() {
  const posted: Posted[] = [];
  const failures = new Map<string, number>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk;
    });
    request.on('end', () => {
      const path = request.url ?? '';
      const failing = failures.get(path) ?? 0;
      failures.set(path, Math.max(0, failing - 1));
      const status = failing > 0 ? 500 : path === '/pagerduty' ? 202 : 200;
      posted.push({ path, status, text, json: JSON.parse(text) });
      response.writeHead(status, { 'content-type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    posted,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    failNext: (path: string, times: number) => failures.set(path, times),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

interface Mail {
  readonly from: string;
  readonly to: string[];
  readonly user: string | undefined;
  readonly raw: string;
  readonly subject: string;
  readonly body: string;
}

/** An SMTP sink on loopback (no TLS; authentication optional, recorded when given). */
async function startSmtpSink() {
  const mails: Mail[] = [];
  const logins: Array<{ user: string; password: string }> = [];
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ user: auth.username ?? '', password: auth.password ?? '' });
      callback(null, { user: auth.username });
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => {
        raw += chunk;
      });
      stream.on('end', () => {
        const [head = '', ...rest] = raw.split('\r\n\r\n');
        const headers = head.replace(/\r\n[ \t]+/g, ' ');
        const body = rest
          .join('\r\n\r\n')
          .replace(/=\r\n/g, '')
          .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
          .replace(/\r\n/g, '\n');
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          raw,
          subject: /^Subject: (.*)$/m.exec(headers)?.[1] ?? '',
          body,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    mails,
    logins,
    port: (server.server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface AlertRecord {
  event_type: 'alert';
  severity: string;
  title: string;
  summary: string;
  job_id?: string;
  file?: string;
  rule_id?: string;
  deliveries: Array<{ channel: string; ok: boolean; attempts: number }>;
  timestamp: string;
}

async function readAlerts(root: string): Promise<AlertRecord[]> {
  const dir = join(root, 'events');
  const files = (await readdir(dir)).sort();
  const text = (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AlertRecord)
    .filter((e) => e.event_type === 'alert');
}

/** JSON lines the log channel wrote on stderr (`--verbose`). */
const loggedAlerts = (stderr: string): Array<Record<string, unknown>> =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.message === 'alert');

/** Values of the given columns in a generated CSV (the generator quotes no field of these columns). */
async function columnValues(file: string, columns: readonly string[]): Promise<Set<string>> {
  const [header = '', ...rows] = (await readFile(file, 'utf8')).trim().split('\n');
  const names = header.split(',');
  const indexes = columns.map((c) => names.indexOf(c));
  assert.ok(
    indexes.every((i) => i >= 0),
    `columns ${columns} in ${header}`,
  );
  const values = new Set<string>();
  for (const row of rows) {
    const fields = row.split(',');
    for (const i of indexes) if (fields[i]) values.add(fields[i] as string);
  }
  return values;
}

describe('alerts routed by severity to log, webhook, PagerDuty and e-mail', () => {
  let dir: string;
  let config: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const files = { clean: '', lowQuality: '', defective: '', other: '' };
  /** Every payload any channel received, and every alert logged or recorded, for the PHI check. */
  const seen: string[] = [];
  const env = {
    CLAIMFLOW_TEST_PD_KEY: PAGERDUTY_KEY,
    CLAIMFLOW_TEST_SMTP_PASSWORD: SMTP_PASSWORD,
    CLAIMFLOW_TEST_WEBHOOK_URL: '',
  };

  /** `claimflow <args> --config <config> --verbose`, with the secrets in the environment. */
  async function claimflowWithAlerts(args: string[], extraEnv: Record<string, string> = {}) {
    const child = startClaimflow([...args, '--config', config, '--verbose', ...RUN_DATE], { ...env, ...extraEnv });
    const code = await child.exited;
    seen.push(...loggedAlerts(child.stderr()).map((l) => JSON.stringify(l)));
    return { code, stderr: child.stderr() };
  }

  before(async () => {
    dir = await tempDir('alerts');
    receiver = await startReceiver();
    smtp = await startSmtpSink();
    env.CLAIMFLOW_TEST_WEBHOOK_URL = `${receiver.url}/slack`;
    await mkdir(join(dir, 'in'));
    const generate = async (name: keyof typeof files, defectRate: number, seed: number) => {
      files[name] = join(dir, 'in', `${name}.csv`);
      await writeClaimsFile(files[name], 400, 'csv', { seed, defectRate, month: '2025-10' });
    };
    // 0%: quality 100 (low); 3%: 2% quarantined, quality about 98.7 (medium under 99); 30%: rejected (high).
    await generate('clean', 0, 5);
    await generate('lowQuality', 0.03, 5);
    await generate('defective', 0.3, 5);
    await generate('other', 0, 6);
    config = join(dir, 'claimflow.json');
    await writeFile(
      config,
      JSON.stringify({
        alerts: {
          channels: {
            slack: { type: 'webhook', url: 'env:CLAIMFLOW_TEST_WEBHOOK_URL', timeout_ms: 2000 },
            pagerduty: {
              type: 'pagerduty',
              url: `${receiver.url}/pagerduty`,
              routing_key: 'env:CLAIMFLOW_TEST_PD_KEY',
              source: 'claimflow-test',
              timeout_ms: 2000,
            },
            email: {
              type: 'smtp',
              host: '127.0.0.1',
              port: smtp.port,
              secure: false,
              auth: { user: 'alerts', password: 'env:CLAIMFLOW_TEST_SMTP_PASSWORD' },
              from: 'claimflow@example.org',
              to: ['oncall@example.org', 'data-team@example.org'],
              timeout_ms: 2000,
            },
          },
          routes: {
            critical: ['pagerduty', 'email', 'slack'],
            high: ['slack', 'email'],
            medium: ['slack'],
            low: ['log'],
          },
          thresholds: { quality_score: 99 },
          retry: { max_attempts: 3, base_delay_ms: 20, max_delay_ms: 200 },
        },
      }),
    );
  });

  beforeEach(() => {
    receiver.posted.length = 0;
    smtp.mails.length = 0;
    smtp.logins.length = 0;
  });

  after(async () => {
    receiver?.close();
    await smtp?.close();
  });

  /** Everything the channels got in the test that just ran goes into the PHI check. */
  const keepPayloads = (alerts: readonly AlertRecord[]): void => {
    seen.push(...receiver.posted.map((p) => p.text), ...smtp.mails.map((m) => m.raw));
    seen.push(...alerts.map((a) => JSON.stringify(a)));
  };

  it('sends each severity of `claimflow run` to exactly its channels, with the documented payloads', async () => {
    const run = await claimflowWithAlerts([
      'run',
      files.clean,
      files.lowQuality,
      files.defective,
      '--root',
      join(dir, 'run'),
    ]);
    assert.equal(run.code, 2, run.stderr);
    // The pipeline fails on the next file: every store publish raises (in `run`, that is a system failure).
    const failed = await claimflowWithAlerts(['run', files.other, '--root', join(dir, 'failed')], {
      CLAIMFLOW_FAULTS: 'publish',
    });
    assert.equal(failed.code, 3, failed.stderr);

    const alerts = [...(await readAlerts(join(dir, 'run'))), ...(await readAlerts(join(dir, 'failed')))];
    keepPayloads(alerts);
    const byFile = new Map(alerts.map((a) => [a.file, a]));
    assert.equal(alerts.length, 4);
    const low = byFile.get('clean.csv');
    const medium = byFile.get('lowQuality.csv');
    const high = byFile.get('defective.csv');
    const critical = byFile.get('other.csv');
    assert.deepEqual(
      [low, medium, high, critical].map((a) => [a?.severity, a?.title, a?.deliveries]),
      [
        ['low', 'Job succeeded', [{ channel: 'log', ok: true, attempts: 1 }]],
        ['medium', 'Quality under threshold', [{ channel: 'slack', ok: true, attempts: 1 }]],
        [
          'high',
          'File rejected: error_rate_exceeded',
          [
            { channel: 'slack', ok: true, attempts: 1 },
            { channel: 'email', ok: true, attempts: 1 },
          ],
        ],
        [
          'critical',
          'Pipeline failure in run',
          [
            { channel: 'pagerduty', ok: true, attempts: 1 },
            { channel: 'email', ok: true, attempts: 1 },
            { channel: 'slack', ok: true, attempts: 1 },
          ],
        ],
      ],
    );
    assert.equal(high?.rule_id, 'error_rate_exceeded');
    assert.match(medium?.summary ?? '', /^lowQuality\.csv \(job claims-etl-\S+\) succeeded: 400 rows, 8 quarantined/);
    assert.match(medium?.summary ?? '', /Breach: quality score 98\.\d is under 99\./);

    // Log: only the low alert, as a structured line.
    const logged = loggedAlerts(run.stderr);
    assert.deepEqual(
      logged.map((l) => [l.level, l.severity, l.job_id, l.file]),
      [['INFO', 'low', low?.job_id, 'clean.csv']],
    );

    // Webhook: high, medium (files run in name order), then critical; Slack-compatible `{ text, blocks }`.
    const slack = receiver.posted.filter((p) => p.path === '/slack');
    assert.deepEqual(
      slack.map((p) => (p.json.text as string).split(':')[0]),
      ['[HIGH] File rejected', '[MEDIUM] Quality under threshold', '[CRITICAL] Pipeline failure in run'],
    );
    assert.deepEqual(slack[0]?.json, {
      text: `[HIGH] File rejected: error_rate_exceeded: ${high?.summary}`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '[HIGH] File rejected: error_rate_exceeded' } },
        { type: 'section', text: { type: 'mrkdwn', text: high?.summary } },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: `severity: \`high\`  |  job: \`${high?.job_id}\`  |  file: \`defective.csv\`  |  rule: \`error_rate_exceeded\`  |  component: \`etl\`  |  total_records: \`400\`  |  error_records: \`400\``,
            },
          ],
        },
      ],
    });

    // PagerDuty: critical only, Events API v2.
    const pages = receiver.posted.filter((p) => p.path === '/pagerduty');
    assert.deepEqual(
      pages.map((p) => p.json),
      [
        {
          routing_key: PAGERDUTY_KEY,
          event_action: 'trigger',
          dedup_key: `claimflow/${critical?.job_id}/pipeline_failure`,
          payload: {
            summary: `Pipeline failure in run: ${critical?.summary}`,
            source: 'claimflow-test',
            severity: 'critical',
            component: 'run',
            group: 'claims-pipeline',
            class: 'pipeline_failure',
            custom_details: { title: 'Pipeline failure in run', job_id: critical?.job_id, file: 'other.csv' },
          },
        },
      ],
    );

    // E-mail: high and critical, to every recipient, logged in with the password from the environment.
    assert.deepEqual(
      smtp.mails.map((m) => [m.subject, m.from, m.to, m.user]),
      [
        [
          '[claimflow] HIGH: File rejected: error_rate_exceeded',
          'claimflow@example.org',
          ['oncall@example.org', 'data-team@example.org'],
          'alerts',
        ],
        [
          '[claimflow] CRITICAL: Pipeline failure in run',
          'claimflow@example.org',
          ['oncall@example.org', 'data-team@example.org'],
          'alerts',
        ],
      ],
    );
    assert.deepEqual(smtp.logins, [
      { user: 'alerts', password: SMTP_PASSWORD },
      { user: 'alerts', password: SMTP_PASSWORD },
    ]);
    const body = smtp.mails[0]?.body ?? '';
    assert.ok(body.startsWith(`${high?.summary}\n\nseverity: high\njob: ${high?.job_id}\nfile: defective.csv\n`), body);
    assert.match(body, /\nrule: error_rate_exceeded\ncomponent: etl\ntotal_records: 400\nerror_records: 400\n/);
  });

  it('retries a channel that fails twice, then delivers once', async () => {
    receiver.failNext('/slack', 2);
    const run = await claimflowWithAlerts(['run', files.lowQuality, '--root', join(dir, 'flaky')]);
    assert.equal(run.code, 0, run.stderr);
    const alerts = await readAlerts(join(dir, 'flaky'));
    keepPayloads(alerts);
    assert.deepEqual(
      alerts.map((a) => [a.severity, a.deliveries]),
      [['medium', [{ channel: 'slack', ok: true, attempts: 3 }]]],
    );
    const slack = receiver.posted.filter((p) => p.path === '/slack');
    assert.deepEqual(
      slack.map((p) => p.status),
      [500, 500, 200],
    );
    assert.equal(new Set(slack.map((p) => p.text)).size, 1, 'the same message each time');
    const failures = run.stderr
      .split('\n')
      .filter((l) => l.includes('"alert delivery failed"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      failures.map((f) => [f.channel, f.attempt, f.error]),
      [
        ['slack', 1, 'alert channel slack: HTTP 500'],
        ['slack', 2, 'alert channel slack: HTTP 500'],
      ],
    );
  });

  it('raises alerts from `claimflow watch`: a job that succeeded (low) and a rejected file (high)', async () => {
    const root = join(dir, 'watched');
    await mkdir(join(root, 'raw/claims'), { recursive: true });
    await copyFile(files.clean, join(root, 'raw/claims/clean.csv'));
    await copyFile(files.defective, join(root, 'raw/claims/defective.csv'));
    const watch = await claimflowWithAlerts(['watch', '--once', '--settle-ms', '100', '--root', root]);
    assert.equal(watch.code, 2, 'watch --once exits 2 when a file was rejected whole');
    const alerts = await readAlerts(root);
    keepPayloads(alerts);
    assert.deepEqual(
      alerts
        .map((a) => [a.file, a.severity, a.title, a.rule_id, a.deliveries.map((d) => `${d.channel}:${d.ok}`)])
        .sort(),
      [
        ['clean.csv', 'low', 'Job succeeded', undefined, ['log:true']],
        [
          'defective.csv',
          'high',
          'File rejected: error_rate_exceeded',
          'error_rate_exceeded',
          ['slack:true', 'email:true'],
        ],
      ],
    );
    assert.equal(receiver.posted.length, 1);
    assert.deepEqual(
      smtp.mails.map((m) => m.subject),
      ['[claimflow] HIGH: File rejected: error_rate_exceeded'],
    );
  });

  it('stops before any work when a secret the config references is not set', async () => {
    const run = await claimflowWithAlerts(['run', files.clean, '--root', join(dir, 'nosecret')], {
      CLAIMFLOW_TEST_PD_KEY: '',
    });
    assert.equal(run.code, 1);
    assert.match(
      run.stderr,
      /alerts\.channels\.pagerduty\.routing_key: environment variable CLAIMFLOW_TEST_PD_KEY is not set/,
    );
    await assert.rejects(readdir(join(dir, 'nosecret')), { code: 'ENOENT' });
  });

  it('puts no claim value of the input files in any alert, payload or log line', async () => {
    assert.ok(seen.length >= 12, `payloads seen: ${seen.length}`);
    const claimValues = new Set<string>();
    for (const file of Object.values(files))
      for (const v of await columnValues(file, [
        'member_id',
        'person_id',
        'diagnosis_code_1',
        'diagnosis_code_2',
        'diagnosis_code_3',
        'diagnosis_code_4',
      ]))
        claimValues.add(v);
    assert.ok(claimValues.size > 500, `claim values to look for: ${claimValues.size}`);
    const everything = seen.join('\n');
    const leaked = [...claimValues].filter((v) =>
      new RegExp(`(^|[^A-Za-z0-9])${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9])`).test(everything),
    );
    assert.deepEqual(leaked, []);
  });
});
