import type { RuleDimension } from './rule.ts';

export const DIMENSIONS: readonly RuleDimension[] = [
  'completeness',
  'validity',
  'consistency',
  'uniqueness',
  'timeliness',
];

/** Weight of each dimension in the overall score (they sum to 1). Documented in docs/quality-score.md. */
export const DIMENSION_WEIGHTS: Readonly<Record<RuleDimension, number>> = {
  completeness: 0.25,
  validity: 0.3,
  consistency: 0.2,
  uniqueness: 0.15,
  timeliness: 0.1,
};

const GRADES: ReadonlyArray<readonly [number, 'A' | 'B' | 'C' | 'D']> = [
  [95, 'A'],
  [90, 'B'],
  [80, 'C'],
  [70, 'D'],
];

export type Grade = 'A' | 'B' | 'C' | 'D' | 'F';

export interface QualityScore {
  readonly score: number;
  readonly grade: Grade;
  readonly dimensions: Readonly<Record<RuleDimension, { readonly score: number; readonly failed_rows: number }>>;
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** What became of the file: published (`success`), or rejected whole (`failed`). */
export type FileVerdict = 'success' | 'failed';

/**
 * A dimension scores 100 x the share of rows that break none of its rules (warnings count);
 * the file's score is the weighted mean of its dimensions. The grade is never better than the
 * verdict: a file rejected whole grades F whatever its rows scored, as nothing of it was published.
 */
export function scoreQuality(
  totalRows: number,
  failedRows: Readonly<Record<RuleDimension, number>>,
  verdict: FileVerdict,
): QualityScore {
  const dimensions = Object.fromEntries(
    DIMENSIONS.map((d) => {
      const failed = failedRows[d];
      return [d, { score: totalRows === 0 ? 0 : round1(100 * (1 - failed / totalRows)), failed_rows: failed }];
    }),
  ) as Record<RuleDimension, { score: number; failed_rows: number }>;
  const score = round1(DIMENSIONS.reduce((sum, d) => sum + DIMENSION_WEIGHTS[d] * dimensions[d].score, 0));
  return { score, grade: verdict === 'failed' ? 'F' : gradeOf(score), dimensions };
}

export function gradeOf(score: number): Grade {
  return GRADES.find(([floor]) => score >= floor)?.[1] ?? 'F';
}
