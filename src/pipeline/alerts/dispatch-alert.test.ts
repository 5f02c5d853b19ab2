import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Alert } from '../../domain/alert-policy.ts';
import { AlertDeliveryError } from '../../domain/errors.ts';
import { type AlertChannel, type AlertDispatchDeps, dispatchAlert } from './dispatch-alert.ts';

const alert = (severity: Alert['severity']): Alert => ({
  severity,
  kind: 'file_rejected',
  title: 'File rejected: error_rate_exceeded',
  summary: 'bad.csv (job j1) was rejected whole by error_rate_exceeded.',
  dedup_key: 'claimflow/j1/file_rejected',
  component: 'etl',
  job_id: 'j1',
  file: 'bad.csv',
  rule_id: 'error_rate_exceeded',
  counts: { total_records: 10, error_records: 10 },
});

/** A channel that fails its first `failures` sends (forever with Infinity), recording every attempt. */
function channel(failures = 0, error: () => Error = () => new Error('HTTP 503')) {
  const sent: Alert[] = [];
  let calls = 0;
  const send = async (a: Alert): Promise<void> => {
    calls++;
    if (calls <= failures) throw error();
    sent.push(a);
  };
  return { send, sent, calls: () => calls };
}

function harness(channels: Record<string, AlertChannel>) {
  const events: object[] = [];
  const sleeps: number[] = [];
  const warnings: Array<Record<string, unknown>> = [];
  const deps: AlertDispatchDeps = {
    channels: new Map(Object.entries(channels)),
    routes: { critical: ['pager', 'mail', 'hook'], high: ['hook', 'mail'], medium: ['hook'], low: [] },
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 },
    clock: { now: () => new Date('2026-01-31T10:20:30Z') },
    logger: { info: () => {}, warn: (_m, fields) => void warnings.push(fields ?? {}), error: () => {} },
    sleep: async (ms) => void sleeps.push(ms),
    random: () => 1,
    recordEvent: (event) => void events.push(event),
  };
  return { deps, events, sleeps, warnings };
}

describe('dispatchAlert', () => {
  it('sends an alert to exactly the channels of its severity and records it in the event log', async () => {
    const pager = channel();
    const mail = channel();
    const hook = channel();
    const h = harness({ pager, mail, hook });
    await dispatchAlert(alert('high'), h.deps);
    assert.deepEqual([pager.calls(), mail.calls(), hook.calls()], [0, 1, 1]);
    assert.deepEqual(h.events, [
      {
        event_type: 'alert',
        severity: 'high',
        title: 'File rejected: error_rate_exceeded',
        summary: 'bad.csv (job j1) was rejected whole by error_rate_exceeded.',
        job_id: 'j1',
        file: 'bad.csv',
        rule_id: 'error_rate_exceeded',
        deliveries: [
          { channel: 'hook', ok: true, attempts: 1 },
          { channel: 'mail', ok: true, attempts: 1 },
        ],
        timestamp: '2026-01-31T10:20:30.000Z',
      },
    ]);
    const record = await dispatchAlert(alert('low'), h.deps);
    assert.deepEqual(record.deliveries, [], 'a severity routed nowhere is still recorded');
    assert.equal(h.events.length, 2);
  });

  it('retries a failing channel with exponential backoff until it delivers', async () => {
    const hook = channel(2);
    const h = harness({ hook });
    const record = await dispatchAlert(alert('medium'), h.deps);
    assert.deepEqual(record.deliveries, [{ channel: 'hook', ok: true, attempts: 3 }]);
    assert.deepEqual(h.sleeps, [100, 200], 'base, then doubled (random() = 1 is the top of the jitter range)');
    assert.equal(hook.sent.length, 1);
    assert.deepEqual(
      h.warnings.map((w) => [w.channel, w.attempt, w.error]),
      [
        ['hook', 1, 'HTTP 503'],
        ['hook', 2, 'HTTP 503'],
      ],
    );
  });

  it('keeps delivering to the other channels while one fails for good, and bounds its attempts', async () => {
    const mail = channel();
    const hook = channel();
    let release: () => void = () => {};
    const mailSent = new Promise<void>((resolve) => {
      release = resolve;
    });
    // The pager fails only once the mail has gone out: had it been sent first and alone, this would hang.
    const pager: AlertChannel = {
      send: async () => {
        await mailSent;
        throw new Error('connect ECONNREFUSED 127.0.0.1:9');
      },
    };
    const h = harness({
      pager,
      mail: {
        send: async (a) => {
          await mail.send(a);
          release();
        },
      },
      hook,
    });
    const record = await dispatchAlert(alert('critical'), h.deps);
    assert.deepEqual(record.deliveries, [
      { channel: 'pager', ok: false, attempts: 3 },
      { channel: 'mail', ok: true, attempts: 1 },
      { channel: 'hook', ok: true, attempts: 1 },
    ]);
    assert.equal(h.events.length, 1, 'recorded once, failure included');
  });

  it('does not retry a failure that cannot improve, and reports a route to an unknown channel', async () => {
    const hook = channel(Number.POSITIVE_INFINITY, () => new AlertDeliveryError('hook', 'HTTP 400', false));
    const h = harness({ hook });
    const routes = { ...h.deps.routes, critical: ['hook', 'gone'] };
    const record = await dispatchAlert(alert('critical'), { ...h.deps, routes });
    assert.deepEqual(record.deliveries, [
      { channel: 'hook', ok: false, attempts: 1 },
      { channel: 'gone', ok: false, attempts: 0 },
    ]);
    assert.deepEqual(h.sleeps, []);
  });
});
