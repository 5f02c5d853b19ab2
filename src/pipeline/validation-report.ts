import type { RuleAction, RuleDimension, RuleSeverity } from '../domain/rule.ts';

export type JobStatus = 'SUCCEEDED' | 'FAILED';

export interface RuleCount {
  readonly rule_id: string;
  readonly action: RuleAction;
  readonly severity: RuleSeverity;
  readonly dimension: RuleDimension;
  readonly row_count: number;
}

/** The validation output of DESIGN.md's message contracts, with the detail a reviewer needs. */
export interface ValidationReport {
  readonly validation_status: 'success' | 'failed';
  readonly report_location: string;
  readonly summary: {
    readonly total_records: number;
    readonly valid_records: number;
    readonly error_records: number;
  };
  readonly job_id: string;
  readonly input_file: string;
  readonly file_sha256: string;
  readonly format: string | null;
  readonly started_at: string;
  readonly finished_at: string;
  readonly processed_records: number;
  readonly duplicates_removed: { readonly exact: number; readonly conflicting_key: number; readonly total: number };
  readonly rules: readonly RuleCount[];
  readonly file_error: { readonly rule_id: string; readonly reason: string } | null;
  readonly unknown_columns: readonly string[];
  readonly missing_optional_columns: number;
  readonly outputs: {
    readonly processed: readonly string[];
    readonly quarantine_rows: string | null;
    readonly quarantine_file: string | null;
    readonly archive: string;
  };
  readonly timings_ms: Readonly<Record<string, number>>;
}
