import { type QualityScore, scoreQuality } from '../domain/quality-score.ts';
import type { Rule, RuleDimension } from '../domain/rule.ts';
import { DEDUPE_RULES, FILE_RULES } from '../domain/rule-catalog.ts';
import { reportKey } from '../domain/store-layout.ts';
import type { FileHalt } from './file-verdict.ts';
import type { ObjectStore } from './object-store.ts';
import { renderHtmlReport } from './render-html-report.ts';
import {
  type JobStatus,
  type ProfileReport,
  type RuleCount,
  type RuleSample,
  toRuleCount,
  type ValidationReport,
} from './validation-report.ts';

/** What the stages (DuckDB's, or Spark's read back from its outputs) found in a file. */
export interface ReportFindings {
  readonly total: number;
  readonly quarantined: number;
  readonly processed: number;
  readonly exact: number;
  readonly conflicting: number;
  /** Rows flagged by the dedupe rules. */
  readonly flagged: number;
  readonly counts: ReadonlyMap<string, number>;
  readonly samples: ReadonlyMap<string, readonly RuleSample[]>;
  /** Null when the file was rejected before its rows were checked. */
  readonly dimensionFailures: Readonly<Record<RuleDimension, number>> | null;
  readonly fileError: FileHalt | null;
  readonly outputs: ValidationReport['outputs'];
}

/** Everything else the report states about the job. */
export interface ReportFacts {
  readonly status: JobStatus;
  readonly mode: 'run' | 'validate';
  /** The file's rows are claim lines that are deduplicated and published. */
  readonly publishes: boolean;
  /** The rules the file ran, in catalog order. */
  readonly rules: readonly Rule[];
  readonly jobId: string;
  readonly inputFile: string;
  /** Null when claimflow never read the bytes (a Glue run: S3 copies the file, Spark reads it). */
  readonly sha256: string | null;
  readonly format: string | null;
  readonly profile: ProfileReport | null;
  readonly dataSource: string;
  readonly startedAt: Date;
  readonly finishedAt: Date;
  readonly skippedRules: ValidationReport['skipped_rules'];
  readonly unknownColumns: readonly string[];
  readonly missingOptionalColumns: number;
  readonly timings: Readonly<Record<string, number>>;
  /** Where a key of the store lives, for the report's locations. */
  readonly locate: (key: string) => string;
}

/** The validation report of one file job, the same whichever engine ran it. */
export function buildValidationReport(facts: ReportFacts, f: ReportFindings): ValidationReport {
  const rejected = facts.status === 'FAILED';
  const ruleCount = (rule: Rule, rowCount: number): RuleCount =>
    toRuleCount(rule, rowCount, f.samples.get(rule.id) ?? []);
  // A file rejected before its rows were checked lists only the rule that rejected it.
  const checked = f.dimensionFailures !== null;
  const rules = checked ? facts.rules.map((r) => ruleCount(r, f.counts.get(r.id) ?? 0)) : [];
  if (!rejected && facts.publishes) rules.push(...DEDUPE_RULES.map((r) => ruleCount(r, f.flagged)));
  const fileRule = FILE_RULES.find((r) => r.id === f.fileError?.rule_id);
  if (fileRule) rules.push(ruleCount(fileRule, 1));
  const duplicates = f.exact + f.conflicting;
  const quality: QualityScore | null = f.dimensionFailures
    ? scoreQuality(
        f.total,
        { ...f.dimensionFailures, uniqueness: f.dimensionFailures.uniqueness + duplicates },
        rejected ? 'failed' : 'success',
      )
    : null;
  return {
    validation_status: rejected ? 'failed' : 'success',
    report_location: facts.locate(reportKey(facts.jobId, 'json')),
    html_report_location: facts.locate(reportKey(facts.jobId, 'html')),
    summary: rejected
      ? { total_records: f.total, valid_records: 0, error_records: f.total }
      : { total_records: f.total, valid_records: f.total - f.quarantined, error_records: f.quarantined },
    job_id: facts.jobId,
    input_file: facts.inputFile,
    file_sha256: facts.sha256,
    format: facts.format,
    profile: facts.profile,
    data_source: facts.dataSource,
    started_at: facts.startedAt.toISOString(),
    finished_at: facts.finishedAt.toISOString(),
    processed_records: rejected || facts.mode === 'validate' ? 0 : f.processed,
    duplicates_removed: rejected
      ? { exact: 0, conflicting_key: 0, total: 0 }
      : { exact: f.exact, conflicting_key: f.conflicting, total: duplicates },
    quality,
    rules,
    skipped_rules: facts.skippedRules,
    file_error: f.fileError,
    unknown_columns: facts.unknownColumns,
    missing_optional_columns: facts.missingOptionalColumns,
    outputs: f.outputs,
    timings_ms: facts.timings,
  };
}

/** Writes the report as JSON and as self-contained HTML at `validation-reports/<job_id>.json|.html`. */
export async function writeValidationReport(store: ObjectStore, report: ValidationReport): Promise<void> {
  await store.writeText(reportKey(report.job_id, 'json'), `${JSON.stringify(report, null, 2)}\n`);
  await store.writeText(reportKey(report.job_id, 'html'), renderHtmlReport(report));
}
