import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransientError } from '../domain/errors.ts';
import { backoffMs, deliverWithRetry } from './deliver.ts';
import type { Ledger } from './ledger.ts';
import type { DeadLetter } from './ports.ts';

const policy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };

function harness() {
  const letters: DeadLetter[] = [];
  const sleeps: number[] = [];
  const finished: string[] = [];
  const ledgerErrors: Array<string | undefined> = [];
  const deps = {
    clock: { now: () => new Date('2026-01-01T00:00:00Z') },
    dlq: { put: async (l: DeadLetter) => void letters.push(l), list: async () => letters, remove: async () => {} },
    ledger: {
      finishJob: async (id: string, status: string, _at: Date, details?: { error?: string }) => {
        finished.push(`${id}:${status}`);
        ledgerErrors.push(details?.error);
      },
    } as unknown as Ledger,
    sleep: async (ms: number) => void sleeps.push(ms),
    random: () => 1,
    onDeadLetter: async () => {},
  };
  return { deps, letters, sleeps, finished, ledgerErrors };
}

describe('deliverWithRetry', () => {
  it('retries transient failures with exponential backoff and succeeds', async () => {
    const h = harness();
    let calls = 0;
    const outcome = await deliverWithRetry(
      'claims.etl',
      'etl',
      { job_id: 'j1' },
      async () => {
        if (++calls < 3) throw new TransientError('store busy');
      },
      policy,
      h.deps,
    );
    assert.equal(outcome, 'done');
    assert.equal(calls, 3);
    assert.deepEqual(h.sleeps, [100, 200]);
    assert.deepEqual(h.letters, []);
  });

  it('dead-letters after the last attempt with the error history, and fails the job', async () => {
    const h = harness();
    const outcome = await deliverWithRetry(
      'claims.etl',
      'etl',
      { job_id: 'j2' },
      async () => {
        throw new TransientError('store busy');
      },
      policy,
      h.deps,
    );
    assert.equal(outcome, 'dead-lettered');
    assert.equal(h.letters.length, 1);
    assert.deepEqual(
      h.letters[0]?.errors.map((e) => [e.attempt, e.error_type]),
      [
        [1, 'transient'],
        [2, 'transient'],
        [3, 'transient'],
      ],
    );
    assert.equal(h.letters[0]?.id, 'j2-etl');
    assert.deepEqual(h.finished, ['j2:FAILED']);
  });

  it('does not retry system errors', async () => {
    const h = harness();
    let calls = 0;
    await deliverWithRetry(
      'claims.etl',
      'etl',
      { job_id: 'j3' },
      async () => {
        calls++;
        throw new Error('bug');
      },
      policy,
      h.deps,
    );
    assert.equal(calls, 1);
    assert.equal(h.letters[0]?.errors[0]?.error_type, 'system');
  });

  it('keeps the error history without the claim values an engine message quotes', async () => {
    const h = harness();
    await deliverWithRetry(
      'claims.etl',
      'etl',
      { job_id: 'j4' },
      async () => {
        throw new TransientError(
          'Invalid Input Error: CSV Error on Line: 3\nOriginal Line: MZQX4471,Qorvent,1961-07-23,4471.93\nValue with unterminated quote found.',
        );
      },
      policy,
      h.deps,
    );
    const expected = 'Invalid Input Error: CSV Error on Line: 3; Value with unterminated quote found.';
    assert.deepEqual(
      h.letters[0]?.errors.map((e) => e.message),
      [expected, expected, expected],
    );
    assert.deepEqual(h.ledgerErrors, [`transient: ${expected}`]);
  });

  it('caps the backoff and spreads it with jitter', () => {
    assert.equal(
      backoffMs(10, policy, () => 1),
      1000,
    );
    assert.equal(
      backoffMs(2, policy, () => 0.5),
      100,
    );
  });
});
