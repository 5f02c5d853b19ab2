import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorEvent } from '../messages.ts';
import { happeningOfError } from './job-happenings.ts';

const event = (error_type: ErrorEvent['error_type'], error_message: string): ErrorEvent => ({
  event_type: 'error',
  error_message,
  error_type,
  context: { function_name: 'etl', file: 'a.csv', job_id: 'j1' },
  timestamp: '2026-01-31T10:20:30.000Z',
});

describe('happeningOfError', () => {
  it('reads a rejection as the file rejected by its rule, keeping the rule id and never the reason', () => {
    assert.deepEqual(happeningOfError(event('data_quality', 'missing_required_column: the header lacks claim_id')), {
      kind: 'file_rejected',
      job_id: 'j1',
      file: 'a.csv',
      rule_id: 'missing_required_column',
      total_records: null,
      error_records: null,
    });
    const unknown = happeningOfError(event('data_quality', 'M0046957: not a rule'));
    assert.equal(unknown.kind === 'file_rejected' && unknown.rule_id, null, 'only a catalog rule id is taken');
  });

  it('reads system and transient errors as pipeline failures of their handler', () => {
    assert.deepEqual(happeningOfError(event('system', 'etl failed after 1 attempt(s): disk full')), {
      kind: 'pipeline_failure',
      cause: 'system',
      function_name: 'etl',
      file: 'a.csv',
      job_id: 'j1',
    });
    const { job_id: _, ...withoutJob } = event('transient', 'x').context;
    assert.deepEqual(happeningOfError({ ...event('transient', 'x'), context: withoutJob }), {
      kind: 'pipeline_failure',
      cause: 'transient',
      function_name: 'etl',
      file: 'a.csv',
      job_id: null,
    });
  });
});
