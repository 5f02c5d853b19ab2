import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import type { StageGauge } from '../pipeline/file-job/stage-timer.ts';
import { createProgress, progressModeOf } from './progress.ts';

const FILE = '/data/in/claims.csv';
const ingest: StageGauge = { fraction: 0.5, rows: 1_000_000, rowsEstimated: true, bytes: 250_000_000 };
const exact =
  (rows: number): (() => StageGauge) =>
  () => ({ fraction: null, rows, rowsEstimated: false, bytes: null });

describe('progressModeOf', () => {
  it('draws a bar on a terminal, lines elsewhere, JSON lines for --json, nothing for --json on a terminal', () => {
    assert.equal(progressModeOf(true, false), 'tty');
    assert.equal(progressModeOf(false, false), 'plain');
    assert.equal(progressModeOf(false, true), 'json');
    assert.equal(progressModeOf(true, true), 'off');
  });
});

describe('createProgress', () => {
  let written: string[];
  const write = (text: string): void => {
    written.push(text);
  };
  beforeEach(() => {
    written = [];
    mock.timers.enable({ apis: ['setInterval', 'Date'], now: 0 });
  });
  afterEach(() => mock.timers.reset());

  it('plain: a line when a file starts, one per interval with the stage’s figures, one when it is done', () => {
    const progress = createProgress('plain', 2000, write);
    progress.update({ file: FILE, index: 0, total: 2, stage: 'ingest', gauge: () => ingest });
    // One interval at a time: a long tick fires every due interval at its end time.
    for (let i = 0; i < 5; i++) mock.timers.tick(2000);
    progress.update({ file: FILE, index: 0, total: 2, stage: 'check', gauge: exact(1_000_000) });
    mock.timers.tick(2000);
    progress.update({ file: FILE, index: 1, total: 2, stage: 'done', rows: 1_000_000 });
    mock.timers.tick(4000);
    progress.done();
    assert.deepEqual(written, [
      'claimflow: [1/2] claims.csv: started\n',
      'claimflow: [1/2] claims.csv: ingest 50%, ~500,000 of ~1,000,000 rows, ~250,000 rows/s, ETA 2s, 2s so far\n',
      'claimflow: [1/2] claims.csv: ingest 50%, ~500,000 of ~1,000,000 rows, ~125,000 rows/s, ETA 4s, 4s so far\n',
      'claimflow: [1/2] claims.csv: ingest 50%, ~500,000 of ~1,000,000 rows, ~83,300 rows/s, ETA 6s, 6s so far\n',
      'claimflow: [1/2] claims.csv: ingest 50%, ~500,000 of ~1,000,000 rows, ~62,500 rows/s, ETA 8s, 8s so far\n',
      'claimflow: [1/2] claims.csv: ingest 50%, ~500,000 of ~1,000,000 rows, ~50,000 rows/s, ETA 10s, 10s so far\n',
      // The stage's clock restarts with the stage; nothing is printed between files.
      'claimflow: [1/2] claims.csv: check 1,000,000 rows, 2s so far\n',
      'claimflow: [1/2] claims.csv: done, 1,000,000 rows in 12.0s (83,333 rows/s)\n',
    ]);
  });

  it('json: the same as JSON lines, numbered from 1', () => {
    const progress = createProgress('json', 1000, write);
    progress.update({ file: FILE, index: 0, total: 1, stage: 'check', gauge: exact(40) });
    mock.timers.tick(1000);
    progress.update({ file: FILE, index: 1, total: 1, stage: 'done', rows: 40 });
    progress.done();
    const records = written.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(records[0], { event: 'progress', file: FILE, index: 1, total: 1, stage: 'started' });
    assert.deepEqual(
      [records[1]?.stage, records[1]?.rows_total, records[1]?.fraction, records[1]?.stage_elapsed_ms],
      ['check', 40, null, 1000],
    );
    assert.deepEqual(records[2], {
      event: 'progress',
      file: FILE,
      index: 1,
      total: 1,
      stage: 'done',
      rows: 40,
      elapsed_ms: 1000,
      rows_per_s: 40,
    });
  });

  it('off: writes nothing', () => {
    const progress = createProgress('off', 1000, write);
    progress.update({ file: FILE, index: 0, total: 1, stage: 'ingest', gauge: () => ingest });
    mock.timers.tick(5000);
    progress.update({ file: FILE, index: 1, total: 1, stage: 'done', rows: 1 });
    progress.done();
    assert.deepEqual(written, []);
  });
});
