import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createJobIdSource, formatJobId } from './job-id.ts';

it('formats job ids as claims-etl-YYYYMMDD-HHMMSS-NNNN in UTC', () => {
  assert.equal(formatJobId(new Date('2026-03-04T05:06:07Z'), 12), 'claims-etl-20260304-050607-0012');
  const next = createJobIdSource(9999);
  const at = new Date('2026-01-01T00:00:00Z');
  assert.equal(next(at), 'claims-etl-20260101-000000-9999');
  assert.equal(next(at), 'claims-etl-20260101-000000-0000');
});
