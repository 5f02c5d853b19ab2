import type { QualityScore } from '../domain/quality-score.ts';
import type { Rule, RuleAction, RuleDimension, RuleSeverity } from '../domain/rule.ts';
import type { ProfileSelectedBy } from './select-profile.ts';

export type { QualityScore };

export type JobStatus = 'SUCCEEDED' | 'FAILED';

/** A rule's line in the report. */
export function toRuleCount(rule: Rule, rowCount: number, samples: readonly RuleSample[]): RuleCount {
  const { id, description, source, action, severity, dimension } = rule;
  return { rule_id: id, description, source, action, severity, dimension, row_count: rowCount, samples };
}

/** A failing row, identified without any claim values (no PHI). */
export interface RuleSample {
  readonly source_row_number: number;
  readonly claim_id: string | null;
  readonly claim_line_number: string | null;
}

export interface RuleCount {
  readonly rule_id: string;
  readonly description: string;
  /** The standard or reference the rule comes from. */
  readonly source: string;
  readonly action: RuleAction;
  readonly severity: RuleSeverity;
  readonly dimension: RuleDimension;
  readonly row_count: number;
  /** Up to 20 failing rows, lowest row numbers first. */
  readonly samples: readonly RuleSample[];
}

/** The source profile that read a file (see docs/sources.md). */
export interface ProfileReport {
  readonly name: string;
  readonly layout: string;
  /** claims, members, pharmacy or reference: only claims are published. */
  readonly role: string;
  readonly published: boolean;
  /** The table its rows are published to; null when they are not published. */
  readonly table: string | null;
  /** `flag` when --profile chose it, `source` when its config source's `profile` did, `detection` when the file's content did. */
  readonly selected_by: ProfileSelectedBy;
  /** Columns the layout requires that the file has (1000 for a record format recognised by content). */
  readonly score: number;
  /** Other layouts that fitted with a lower (or, later in the catalog, equal) score. */
  readonly also_fitting: ReadonlyArray<{ readonly profile: string; readonly layout: string; readonly score: number }>;
  /** Companion files read beside the input, by companion. */
  readonly companions: ReadonlyArray<{ readonly name: string; readonly files: readonly string[] }>;
  /** Records read from the file (rows before filters, merges and unpivots), or converted lines. */
  readonly source_records: number | null;
  /** Record formats: what the converter produced and the claims it dropped (by position, no values). */
  readonly conversion: {
    readonly claims: number;
    readonly lines: number;
    readonly error_count: number;
    readonly errors: ReadonlyArray<{ readonly position: string; readonly segment?: string; readonly reason: string }>;
    /** Claims of other tables in the file, by table: each table's are converted and published by a job of its own. */
    readonly other_tables: Readonly<Record<string, number>>;
  } | null;
}

/** The validation output of DESIGN.md's message contracts, with the detail a reviewer needs. */
export interface ValidationReport {
  readonly validation_status: 'success' | 'failed';
  readonly report_location: string;
  readonly html_report_location: string;
  readonly summary: {
    readonly total_records: number;
    readonly valid_records: number;
    readonly error_records: number;
  };
  readonly job_id: string;
  readonly input_file: string;
  /** Null for a file Glue read: the function never holds its bytes, and the delivery key is not a content hash. */
  readonly file_sha256: string | null;
  /** csv, json-array, ndjson, or the record format (x12, fhir). */
  readonly format: string | null;
  /** Absent from reports written before source profiles existed; null when no profile fitted. */
  readonly profile?: ProfileReport | null;
  readonly data_source: string;
  readonly started_at: string;
  readonly finished_at: string;
  readonly processed_records: number;
  readonly duplicates_removed: { readonly exact: number; readonly conflicting_key: number; readonly total: number };
  readonly quality: QualityScore | null;
  /** Every enabled rule, failing or not, so a reader sees what was checked. */
  readonly rules: readonly RuleCount[];
  /** Rules not run: disabled in the config, or needing reference data that was not given. */
  readonly skipped_rules: ReadonlyArray<{ readonly rule_id: string; readonly reason: string }>;
  readonly file_error: { readonly rule_id: string; readonly reason: string } | null;
  readonly unknown_columns: readonly string[];
  readonly missing_optional_columns: number;
  readonly outputs: {
    readonly processed: readonly string[];
    readonly quarantine_rows: string | null;
    readonly quarantine_file: string | null;
    readonly archive: string | null;
  };
  readonly timings_ms: Readonly<Record<string, number>>;
}
