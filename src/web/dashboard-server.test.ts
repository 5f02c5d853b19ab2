import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Alert, alertFor, type Happening } from '../domain/alert-policy.ts';
import { alertsConfigSchema } from '../pipeline/alerts/alerts-config.ts';
import { type AlertRecord, dispatchAlert } from '../pipeline/alerts/dispatch-alert.ts';
import { AUTH_FAILURE_ALERT_WINDOW_MS, InsecureBindError, startDashboardServer } from './dashboard-server.ts';

const TOKEN = 'unit-0123456789abcdefXYZ';

/** A GET from a chosen loopback source address, so that two "remote" clients can be told apart. */
function get(port: number, from: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', localAddress: from, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The real alert policy and dispatcher, sending critical alerts to a channel that keeps them. */
function alerting() {
  const config = alertsConfigSchema.parse({ routes: { critical: ['log'], high: [], medium: [], low: [] } });
  const sent: Alert[] = [];
  const recorded: AlertRecord[] = [];
  const logged: Array<{ message: string; fields: Record<string, unknown> }> = [];
  const logger = {
    info: () => {},
    warn: (message: string, fields: Record<string, unknown> = {}) => void logged.push({ message, fields }),
    error: (message: string, fields: Record<string, unknown> = {}) => void logged.push({ message, fields }),
  };
  const raiseAlert = async (happening: Happening): Promise<void> => {
    await dispatchAlert(alertFor(happening, config.thresholds), {
      channels: new Map([['log', { send: async (a: Alert) => void sent.push(a) }]]),
      routes: config.routes,
      retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      clock: { now: () => new Date() },
      logger,
      sleep: async () => {},
      random: () => 0,
      recordEvent: (event) => void recorded.push(event as AlertRecord),
    });
  };
  return { raiseAlert, logger, sent, recorded, logged };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(10);
  assert.ok(condition(), `timed out waiting for ${what}`);
}

describe('dashboard security events', () => {
  let root: string;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'claimflow-dashboard-security-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('raises one critical auth_failure alert per minute per remote address', async () => {
    const a = alerting();
    let now = Date.parse('2026-03-01T09:00:00Z');
    const server = await startDashboardServer({
      root,
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      logger: a.logger,
      raiseAlert: a.raiseAlert,
      clock: { now: () => new Date(now) },
    });
    try {
      const wrong = { authorization: 'Bearer wrong-0123456789abcdef' };
      const statuses: number[] = [];
      // A burst from one address: wrong tokens, no token, a malformed header.
      for (let i = 0; i < 5; i++) statuses.push(await get(server.port, '127.0.0.1', wrong));
      statuses.push(await get(server.port, '127.0.0.1'), await get(server.port, '127.0.0.1'));
      statuses.push(await get(server.port, '127.0.0.1', { authorization: 'Bearer not a token' }));
      assert.deepEqual(statuses, [401, 401, 401, 401, 401, 401, 401, 400]);
      await until(() => a.sent.length === 1, 'the first alert');
      // Another address has its own window.
      assert.equal(await get(server.port, '127.0.0.2', wrong), 401);
      await until(() => a.sent.length === 2, 'the second address');
      // Still within the minute for the first address: held back.
      now += AUTH_FAILURE_ALERT_WINDOW_MS - 1;
      for (let i = 0; i < 3; i++) assert.equal(await get(server.port, '127.0.0.1', wrong), 401);
      assert.equal(await get(server.port, '127.0.0.1', { authorization: `Bearer ${TOKEN}` }), 200);
      now += 1;
      assert.equal(await get(server.port, '127.0.0.1', wrong), 401);
      await until(() => a.sent.length === 3, 'the alert of the next minute');
    } finally {
      await server.close();
    }
    assert.equal(a.sent.length, 3);
    assert.ok(a.sent.every((alert) => alert.severity === 'critical' && alert.title === 'Security event: auth_failure'));
    assert.deepEqual(
      a.recorded.map((r) => [r.event_type, r.severity, r.title]),
      Array(3).fill(['alert', 'critical', 'Security event: auth_failure']),
    );
    // The third alert stands for itself and the 7 + 3 failures held back before it.
    assert.deepEqual(
      a.logged.filter((l) => l.message === 'security event').map((l) => [l.fields.remote_address, l.fields.failures]),
      [
        ['127.0.0.1', 1],
        ['127.0.0.2', 1],
        ['127.0.0.1', 11],
      ],
    );
  });

  it('refuses to listen beyond loopback without a token, as a security event', async () => {
    for (const host of ['0.0.0.0', '::']) {
      const a = alerting();
      await assert.rejects(
        startDashboardServer({ root, host, port: 0, token: undefined, logger: a.logger, raiseAlert: a.raiseAlert }),
        (error: unknown) => error instanceof InsecureBindError && error.host === host,
      );
      assert.deepEqual(
        a.recorded.map((r) => [r.severity, r.title]),
        [['critical', 'Security event: insecure_bind_refused']],
      );
    }
  });

  it('listens beyond loopback once a token is configured, without raising anything', async () => {
    const a = alerting();
    const server = await startDashboardServer({
      root,
      host: '0.0.0.0',
      port: 0,
      token: TOKEN,
      logger: a.logger,
      raiseAlert: a.raiseAlert,
    });
    try {
      assert.equal(await get(server.port, '127.0.0.1', { authorization: `Bearer ${TOKEN}` }), 200);
    } finally {
      await server.close();
    }
    assert.deepEqual(a.recorded, []);
  });
});
