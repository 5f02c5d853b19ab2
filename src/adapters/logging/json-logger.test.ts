import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './json-logger.ts';

function captured(enabled = true) {
  const lines: string[] = [];
  const logger = createLogger(enabled, { write: (line: string) => lines.push(line) > 0 });
  return { logger, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>), lines };
}

describe('createLogger', () => {
  it('writes one JSON line per call with the allowed fields as given', () => {
    const { logger, records, lines } = captured();
    logger.info('job started', { job_id: 'claims-etl-20261125-224932-4004', file: 'claims-1.csv', mode: 'run' });
    logger.warn('file rejected', {
      job_id: 'claims-etl-20261125-224932-4004',
      rule_id: 'empty_file',
      total_records: 0,
    });
    logger.error('job failed', { job_id: 'claims-etl-20261125-224932-4004', error_type: 'system' });
    assert.equal(lines.length, 3);
    assert.ok(lines.every((l) => l.endsWith('}\n') && !l.slice(0, -1).includes('\n')));
    const [started, rejected, failed] = records();
    assert.deepEqual(Object.keys(started ?? {}), ['time', 'level', 'message', 'job_id', 'file', 'mode']);
    // Levels as Lambda's JSON log lines write them, so one search for ERROR finds both.
    assert.equal(started?.level, 'INFO');
    assert.equal(started?.file, 'claims-1.csv');
    assert.equal(rejected?.level, 'WARN');
    assert.equal(rejected?.total_records, 0);
    assert.deepEqual([failed?.level, failed?.error_type], ['ERROR', 'system']);
  });

  it('passes every field through the redaction allow-list', () => {
    const { logger, lines, records } = captured();
    logger.warn('runtime error', {
      job_id: 'claims-etl-20261125-224932-4004',
      member_id: 'MZQX4471',
      birth_date: '1961-07-23',
      error: 'Conversion Error: CSV Error on Line: 3\nOriginal Line: MZQX4471,Qorvent,1961-07-23,4471.93',
    });
    for (const marker of ['MZQX4471', 'Qorvent', '1961-07-23', '4471.93'])
      assert.ok(!lines[0]?.includes(marker), marker);
    assert.deepEqual(records()[0], {
      ...records()[0],
      member_id: '[redacted]',
      birth_date: '[redacted]',
      error: 'Conversion Error: CSV Error on Line: 3',
    });
  });

  it('keeps its own time, level and message whatever the fields say', () => {
    const { logger, records } = captured();
    logger.info('stage', { level: 'critical', message: 'MZQX4471', time: 'yesterday' });
    const [record] = records();
    assert.equal(record?.level, 'INFO');
    assert.equal(record?.message, 'stage');
    assert.match(String(record?.time), /^\d{4}-\d{2}-\d{2}T/);
  });

  it('writes nothing when disabled', () => {
    const { logger, lines } = captured(false);
    logger.warn('file rejected', { job_id: 'j' });
    assert.deepEqual(lines, []);
  });
});
