import assert from 'node:assert/strict';
import type { CheckedRows, CheckSummary, DuplicateCounts, Measured } from '../../src/pipeline/file-job/checked-rows.ts';
import type { StagedClaimFile, StagedFile } from '../../src/pipeline/file-job/job-workspace.ts';

/** What a fake engine left: the counts its methods return and the files they stage. */
export interface FakeOutputs {
  readonly summary: CheckSummary;
  readonly measured?: Omit<Measured, keyof CheckSummary>;
  readonly duplicates?: DuplicateCounts;
  readonly quarantine?: StagedFile[];
  readonly claims?: StagedClaimFile[];
}

/** The CheckedRows port without an engine: canned answers, and every call recorded. */
export class FakeCheckedRows implements CheckedRows {
  readonly calls: string[] = [];
  constructor(private readonly outputs: FakeOutputs) {}
  async summarize(): Promise<CheckSummary> {
    this.calls.push('summarize');
    return this.outputs.summary;
  }
  async measure(summary: CheckSummary): Promise<Measured> {
    this.calls.push('measure');
    assert.deepEqual(summary, this.outputs.summary, 'measure is handed the summary');
    const extra = this.outputs.measured ?? { counts: new Map(), samples: new Map(), dimensionFailures: null };
    return { ...summary, ...extra };
  }
  async countDuplicates(): Promise<DuplicateCounts> {
    this.calls.push('countDuplicates');
    return this.outputs.duplicates ?? { repeated_rows: 0, distinct_lines: 0, kept: 0, flagged: 0 };
  }
  async stageQuarantine(): Promise<StagedFile[]> {
    this.calls.push('stageQuarantine');
    return this.outputs.quarantine ?? [];
  }
  async stageClaims(): Promise<StagedClaimFile[]> {
    this.calls.push('stageClaims');
    return this.outputs.claims ?? [];
  }
}

export const measuredOf = (total: number, quarantined: number, counts: Record<string, number> = {}): Measured => ({
  total,
  quarantined,
  counts: new Map(Object.entries(counts)),
  samples: new Map(),
  dimensionFailures: { completeness: 0, validity: quarantined, consistency: 0, uniqueness: 0, timeliness: 0 },
});
