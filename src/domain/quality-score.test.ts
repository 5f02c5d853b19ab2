import assert from 'node:assert/strict';
import { it } from 'node:test';
import { gradeOf, scoreQuality } from './quality-score.ts';

it('scores each dimension by the share of clean rows and weights them into the overall score', () => {
  const q = scoreQuality(
    1000,
    { completeness: 0, validity: 50, consistency: 100, uniqueness: 10, timeliness: 1000 },
    'success',
  );
  assert.deepEqual(q.dimensions, {
    completeness: { score: 100, failed_rows: 0 },
    validity: { score: 95, failed_rows: 50 },
    consistency: { score: 90, failed_rows: 100 },
    uniqueness: { score: 99, failed_rows: 10 },
    timeliness: { score: 0, failed_rows: 1000 },
  });
  // 0.25*100 + 0.30*95 + 0.20*90 + 0.15*99 + 0.10*0 = 86.35
  assert.equal(q.score, 86.4);
  assert.equal(q.grade, 'C');
});

it('grades A from 95, B from 90, C from 80, D from 70, else F', () => {
  assert.deepEqual([100, 95, 94.9, 90, 80, 79.9, 70, 69.9, 0].map(gradeOf), [
    'A',
    'A',
    'B',
    'B',
    'C',
    'D',
    'D',
    'F',
    'F',
  ]);
});

it('grades a file rejected whole F, whatever its rows scored', () => {
  const clean = { completeness: 0, validity: 0, consistency: 0, uniqueness: 0, timeliness: 0 };
  assert.equal(scoreQuality(1000, clean, 'success').grade, 'A');
  const rejected = scoreQuality(1000, { ...clean, validity: 60 }, 'failed');
  assert.equal(rejected.score, 98.2);
  assert.equal(rejected.grade, 'F');
});
