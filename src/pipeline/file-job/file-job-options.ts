import type { SourceProfile } from '../../domain/profiles/source-profile.ts';
import type { ResolvedRules } from '../../domain/resolve-rules.ts';
import type { RowRule } from '../../domain/rule.ts';
import type { PlanSettings } from '../../plan/compile-plan.ts';
import type { ObjectStore } from '../object-store.ts';
import type { Clock, Engine, InputFiles, Logger } from '../ports.ts';
import type { InputLimits } from '../run-config.ts';
import type { ProfileChoice } from '../select-profile.ts';
import type { JobStatus, ValidationReport } from '../validation-report.ts';
import type { StageGauge } from './stage-timer.ts';

/**
 * What choosing a file's profile, finding its companions and converting its records need: the
 * DuckDB job reads local files through them, the Glue hand-over S3 objects by key.
 */
export interface PlanningDeps {
  readonly store: ObjectStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The input files by path (by key on S3): a head, and the names beside a file for its companions. */
  readonly files: Pick<InputFiles, 'readHead' | 'list'>;
  /** A stage started; `gauge` (when given) says how far it is while it runs. */
  readonly onStage?: (stage: string, gauge: () => StageGauge) => void;
  /** Converters of the record formats to canonical NDJSON (the x12-837 and fhir-eob profiles). */
  readonly convertRecords?: Partial<RecordConverters>;
}

export interface FileJobDeps extends PlanningDeps {
  readonly engine: Engine;
  readonly files: InputFiles;
  /**
   * Serialises the moves into processed/ with other work that reads those files
   * (aggregations): a file replaced while DuckDB reads it in two opens reads as garbage.
   */
  readonly exclusive?: <T>(work: () => Promise<T>) => Promise<T>;
}

/** What a record converter reports: claims and lines written, and the claims it dropped (by position). */
export interface ConversionSummary {
  readonly claims: number;
  readonly lines: number;
  readonly errors: ReadonlyArray<{ readonly position: string; readonly segment?: string; readonly reason: string }>;
  /** Claims the converter left for another table's job, by table (none: every claim is the table's). */
  readonly otherTables?: Readonly<Record<string, number>>;
}

/**
 * Writes the claims of one table in a record file (X12, FHIR) as NDJSON of canonical lines; both
 * are paths as `files` names them. X12 837 holds medical claims only.
 */
export type RecordConverter = (inputPath: string, outputPath: string, table: string) => Promise<ConversionSummary>;
export type RecordConverters = Readonly<Record<'x12' | 'fhir', RecordConverter>>;

export interface FileJobOptions {
  readonly jobId: string;
  readonly plan: PlanSettings;
  readonly skippedRules: ValidationReport['skipped_rules'];
  /** Largest share of quarantined rows before the whole file is rejected. */
  readonly errorRateThreshold: number;
  readonly dataSource: string;
  /** Bounds on record size and on how far a gzip file may inflate. */
  readonly limits: InputLimits;
  /** `validate` runs every check but writes nothing except the report. */
  readonly mode: 'run' | 'validate';
  /**
   * Names the outputs, so a later delivery of the same object replaces them; by default the
   * input path's. Needed where the path is a download that differs per job (S3 into scratch).
   */
  readonly sourceKey?: string;
  /** The profiles a file may take (default: the built-ins, detected from its content). */
  readonly profiles?: ProfileChoice;
  /**
   * A table's rule catalog with a profile's own overrides beneath the config's (default:
   * `plan.rules` for medical_claim, another table's catalog as it stands).
   */
  readonly rulesFor?: (profile: SourceProfile, catalog: readonly RowRule[]) => ResolvedRules;
  /**
   * A record file whose claims fill several tables is one job per table: this one converts and
   * publishes the claims of `recordTable` (its outputs named by the source key and the table).
   * Unset: the first job, which takes medical_claim, or the one table the file has claims of.
   */
  readonly recordTable?: string;
}

export interface FileJobResult {
  readonly jobId: string;
  readonly inputFile: string;
  readonly status: JobStatus;
  readonly report: ValidationReport;
  /** `YYYY-MM` partitions whose published files changed. */
  readonly touchedMonths: readonly string[];
  /** Tables the record file also has claims of, each for a job of its own (`recordTable`). */
  readonly moreTables: readonly string[];
}
