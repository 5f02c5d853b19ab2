import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { FakeCheckedRows, measuredOf } from '../../../test/support/fake-checked-rows.ts';
import { ROW_RULES } from '../../domain/rule-catalog.ts';
import { judgeChecked } from './publish-checked.ts';
import type { Timed } from './stage-timer.ts';

describe('judgeChecked: the file-level verdict on the checked rows, the same for both engines', () => {
  let stages: string[] = [];
  const timed: Timed = async (stage, work) => {
    stages.push(stage);
    return work();
  };
  beforeEach(() => {
    stages = [];
  });

  it('halts an empty file as empty_file without measuring it', async () => {
    const rows = new FakeCheckedRows({ summary: { total: 0, quarantined: 0 } });
    const { measured, halt } = await judgeChecked(rows, ROW_RULES, 0.05, timed);
    assert.equal(halt?.rule_id, 'empty_file');
    assert.deepEqual(rows.calls, ['summarize']);
    assert.deepEqual(measured, {
      total: 0,
      quarantined: 0,
      counts: new Map(),
      samples: new Map(),
      dimensionFailures: null,
    });
    assert.deepEqual(stages, ['measure']);
  });

  it('halts on a rule whose action is halt that a row broke, before the error rate', async () => {
    const rules = ROW_RULES.map((r) => (r.id === 'invalid_npi' ? { ...r, action: 'halt' as const } : r));
    const rows = new FakeCheckedRows({
      summary: { total: 100, quarantined: 50 },
      measured: { ...measuredOf(100, 50, { invalid_npi: 2, invalid_amount: 48 }) },
    });
    const { halt } = await judgeChecked(rows, rules, 0.05, timed);
    assert.deepEqual(halt, { rule_id: 'invalid_npi', reason: '2 row(s) broke a rule whose action is halt' });
    assert.deepEqual(rows.calls, ['summarize', 'measure']);
  });

  it('does not halt on a halt rule no row broke', async () => {
    const rules = ROW_RULES.map((r) => (r.id === 'invalid_npi' ? { ...r, action: 'halt' as const } : r));
    const rows = new FakeCheckedRows({
      summary: { total: 100, quarantined: 1 },
      measured: measuredOf(100, 1, { invalid_amount: 1 }),
    });
    assert.equal((await judgeChecked(rows, rules, 0.05, timed)).halt, null);
  });

  it('halts past the error-rate threshold as error_rate_exceeded; at the threshold the file passes', async () => {
    const over = new FakeCheckedRows({ summary: { total: 100, quarantined: 6 }, measured: measuredOf(100, 6) });
    const { halt } = await judgeChecked(over, ROW_RULES, 0.05, timed);
    assert.equal(halt?.rule_id, 'error_rate_exceeded');
    assert.match(halt?.reason ?? '', /^6 of 100 rows \(6\.00%\) failed validation, over the threshold of 5\.00%$/);
    const at = new FakeCheckedRows({ summary: { total: 100, quarantined: 5 }, measured: measuredOf(100, 5) });
    assert.equal((await judgeChecked(at, ROW_RULES, 0.05, timed)).halt, null);
  });

  it('returns what measure counted, and no halt, for a clean file', async () => {
    const counts = { negative_amount: 3 };
    const rows = new FakeCheckedRows({ summary: { total: 10, quarantined: 0 }, measured: measuredOf(10, 0, counts) });
    const { measured, halt } = await judgeChecked(rows, ROW_RULES, 0.05, timed);
    assert.equal(halt, null);
    assert.deepEqual(measured, measuredOf(10, 0, counts));
    assert.deepEqual(stages, ['measure', 'measure']);
  });
});
