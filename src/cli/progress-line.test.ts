import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StageGauge } from '../pipeline/file-job/stage-timer.ts';
import { describeStage, figuresOf, formatDuration, stageRecord } from './progress-line.ts';

const gauge = (g: Partial<StageGauge>): StageGauge => ({
  fraction: null,
  rows: null,
  rowsEstimated: false,
  bytes: null,
  ...g,
});

describe('progress figures', () => {
  it('derives rows done, rate and ETA from the engine’s share of the stage', () => {
    // A quarter of 1,000,000 rows in 10 s: 25,000 rows/s, 30 s to go at that pace.
    const f = figuresOf({ stage: 'ingest', stageMs: 10_000, gauge: gauge({ fraction: 0.25, rows: 1_000_000 }) });
    assert.equal(f.rowsDone, 250_000);
    assert.equal(f.rowsPerSecond, 25_000);
    assert.equal(f.etaSeconds, 30);
  });

  it('gives no rate or ETA without the engine’s share, nor before the stage has got going', () => {
    const none = figuresOf({ stage: 'check', stageMs: 10_000, gauge: gauge({ rows: 1_000_000 }) });
    assert.deepEqual([none.rowsDone, none.rowsPerSecond, none.etaSeconds], [null, null, null]);
    const early = figuresOf({ stage: 'ingest', stageMs: 500, gauge: gauge({ fraction: 0.01, rows: 1_000_000 }) });
    assert.deepEqual([early.rowsPerSecond, early.etaSeconds], [null, null]);
    const nothingYet = figuresOf({ stage: 'ingest', stageMs: 3000, gauge: gauge({ fraction: 0, rows: 1_000_000 }) });
    assert.deepEqual([nothingYet.rowsDone, nothingYet.rowsPerSecond, nothingYet.etaSeconds], [0, null, null]);
    const finished = figuresOf({ stage: 'ingest', stageMs: 8000, gauge: gauge({ fraction: 1, rows: 10 }) });
    assert.equal(finished.etaSeconds, 0);
  });

  it('formats durations as seconds, minutes or hours', () => {
    assert.equal(formatDuration(0.4), '0s');
    assert.equal(formatDuration(42), '42s');
    assert.equal(formatDuration(185), '3m05s');
    assert.equal(formatDuration(3720), '1h02m');
  });
});

describe('progress lines', () => {
  it('marks estimated rows with ~ and three significant digits', () => {
    const line = describeStage({
      stage: 'ingest',
      stageMs: 12_000,
      gauge: gauge({ fraction: 0.4567, rows: 991_614, rowsEstimated: true, bytes: 259_000_000 }),
    });
    assert.equal(line, 'ingest 45%, ~453,000 of ~992,000 rows, ~37,700 rows/s, ETA 14s, 12s so far');
  });

  it('says exact rows plainly, and only elapsed time when nothing more is known', () => {
    assert.equal(
      describeStage({ stage: 'check', stageMs: 20_400, gauge: gauge({ rows: 1_000_000 }) }),
      'check 1,000,000 rows, 20s so far',
    );
    assert.equal(describeStage({ stage: 'ingest', stageMs: 75_000, gauge: null }), 'ingest 1m15s so far');
  });

  it('falls back to megabytes read when rows can’t be estimated', () => {
    const line = describeStage({
      stage: 'ingest',
      stageMs: 4000,
      gauge: gauge({ fraction: 0.5, bytes: 300_000_000 }),
    });
    assert.equal(line, 'ingest 50%, 150 MB of 300 MB, ETA 4s, 4s so far');
  });

  it('gives the same figures as a JSON record, nulls where unknown', () => {
    assert.deepEqual(stageRecord({ stage: 'check', stageMs: 1234.4, gauge: gauge({ rows: 5 }) }), {
      stage: 'check',
      stage_elapsed_ms: 1234,
      fraction: null,
      rows_done: null,
      rows_total: 5,
      rows_estimated: false,
      rows_per_s: null,
      bytes_total: null,
      eta_s: null,
    });
  });
});
