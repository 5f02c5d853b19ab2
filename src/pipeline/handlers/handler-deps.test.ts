import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { happeningOfError } from '../alerts/job-happenings.ts';
import { errorEvent } from './handler-deps.ts';

const clock = { now: () => new Date('2026-02-01T08:00:00Z') };

describe('errorEvent', () => {
  it('sanitises the message, keeping the error kind and position', () => {
    const event = errorEvent(
      { clock },
      {
        error_message:
          'etl failed after 1 attempt(s): Conversion Error: Could not convert string "MZQX4471" to INT32\n\nLINE 1: SELECT CAST(\'MZQX4471\' AS INTEGER)',
        error_type: 'system',
        function_name: 'etl',
        file: 'claims-1.csv',
        job_id: 'claims-etl-20260201-080000-0001',
      },
    );
    assert.deepEqual(event, {
      event_type: 'error',
      error_message: 'etl failed after 1 attempt(s): Conversion Error: Could not convert string [redacted] to INT32',
      error_type: 'system',
      context: { function_name: 'etl', file: 'claims-1.csv', job_id: 'claims-etl-20260201-080000-0001' },
      timestamp: '2026-02-01T08:00:00Z',
    });
  });

  it('keeps a rejection’s rule id in front, where the error-handler reads it', () => {
    const event = errorEvent(
      { clock },
      {
        error_message:
          'unreadable_file: Invalid Input Error: Malformed JSON in file "/in/claims.json", at byte 35 in record/value 3: unexpected character. ',
        error_type: 'data_quality',
        function_name: 'etl',
        file: 'claims.json',
      },
    );
    assert.equal(
      event.error_message,
      'unreadable_file: Invalid Input Error: Malformed JSON in file [redacted], at byte 35 in record/value 3: unexpected character.',
    );
    assert.equal(happeningOfError(event).kind, 'file_rejected');
    assert.equal((happeningOfError(event) as { rule_id: string | null }).rule_id, 'unreadable_file');
  });
});
