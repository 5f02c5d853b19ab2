import type { RuleDimension } from '../../domain/rule.ts';
import type { RuleSample } from '../validation-report.ts';
import type { StagedClaimFile, StagedFile } from './job-workspace.ts';

/** Rows checked and quarantined: what the file-level verdict is first decided on. */
export interface CheckSummary {
  readonly total: number;
  readonly quarantined: number;
}

/** What the check stage counted, per rule and per quality dimension (none of it for a file with no rows). */
export interface Measured extends CheckSummary {
  readonly counts: ReadonlyMap<string, number>;
  readonly samples: ReadonlyMap<string, readonly RuleSample[]>;
  readonly dimensionFailures: Readonly<Record<RuleDimension, number>> | null;
}

/** The dedupe stage's counts, as the plan's `duplicateCounts` returns them. */
export interface DuplicateCounts {
  readonly repeated_rows: number;
  readonly distinct_lines: number;
  readonly kept: number;
  readonly flagged: number;
}

/**
 * A file's checked rows as an engine left them (DuckDB's workspace, or Spark's outputs under
 * `temp/<job_id>/`): what the one publish path reads and stages, whichever engine checked them.
 */
export interface CheckedRows {
  summarize(): Promise<CheckSummary>;
  /** Per-rule counts, the lowest-numbered sample rows per rule, failures per dimension. */
  measure(summary: CheckSummary): Promise<Measured>;
  countDuplicates(): Promise<DuplicateCounts>;
  /** The quarantined rows, written for publishing. */
  stageQuarantine(): Promise<StagedFile[]>;
  /** The deduplicated, enriched claim lines, written for publishing per service month. */
  stageClaims(): Promise<StagedClaimFile[]>;
}
