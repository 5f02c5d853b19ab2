import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Alert, alertFor } from '../../domain/alert-policy.ts';
import { alertsConfigSchema } from './alerts-config.ts';
import { type AlertRecord, dispatchAlert } from './dispatch-alert.ts';
import { raiseSecurityEvent } from './raise-security-event.ts';

function harness() {
  const config = alertsConfigSchema.parse({ routes: { critical: ['log'], high: [], medium: [], low: [] } });
  const paged: Alert[] = [];
  const recorded: object[] = [];
  const logged: Array<[string, Record<string, unknown> | undefined]> = [];
  const logger = {
    info: (message: string, fields?: Record<string, unknown>) => void logged.push([message, fields]),
    warn: (message: string, fields?: Record<string, unknown>) => void logged.push([message, fields]),
    error: () => {},
  };
  const deps = {
    logger,
    raiseAlert: async (happening: Parameters<typeof alertFor>[0]) => {
      await dispatchAlert(alertFor(happening, config.thresholds), {
        channels: new Map([['log', { send: async (a: Alert) => void paged.push(a) }]]),
        routes: config.routes,
        retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
        clock: { now: () => new Date('2026-02-01T08:00:00Z') },
        logger,
        sleep: async () => {},
        random: () => 0,
        recordEvent: (event) => void recorded.push(event),
      });
    },
  };
  return { deps, paged, recorded, logged };
}

describe('raiseSecurityEvent', () => {
  it('sends a critical alert through the policy and dispatcher, records it and logs identifiers only', async () => {
    const h = harness();
    await raiseSecurityEvent(h.deps, {
      event: 'hostile_input_rejected',
      function_name: 'etl',
      file: 'bomb.csv.gz',
      job_id: 'claims-etl-20260201-080000-0001',
    });
    assert.deepEqual(
      h.paged.map((a) => [a.severity, a.title, a.file, a.job_id]),
      [['critical', 'Security event: hostile_input_rejected', 'bomb.csv.gz', 'claims-etl-20260201-080000-0001']],
    );
    const [record] = h.recorded as AlertRecord[];
    assert.equal(record?.event_type, 'alert');
    assert.equal(record?.severity, 'critical');
    assert.deepEqual(record?.deliveries, [{ channel: 'log', ok: true, attempts: 1 }]);
    assert.deepEqual(h.logged, [
      [
        'security event',
        {
          event: 'hostile_input_rejected',
          function_name: 'etl',
          file: 'bomb.csv.gz',
          job_id: 'claims-etl-20260201-080000-0001',
          remote_address: undefined,
          path: undefined,
          failures: 1,
        },
      ],
    ]);
  });

  it('says how many occurrences a rate-limited event stands for', async () => {
    const h = harness();
    await raiseSecurityEvent(h.deps, {
      event: 'auth_failure',
      function_name: 'dashboard',
      remote_address: '127.0.0.2',
      path: '/metrics',
      occurrences: 7,
    });
    assert.equal(h.paged.length, 1);
    assert.equal(h.paged[0]?.summary, 'auth_failure seen by dashboard.');
    assert.equal(h.logged[0]?.[1]?.failures, 7);
    assert.equal(h.logged[0]?.[1]?.remote_address, '127.0.0.2');
  });
});
