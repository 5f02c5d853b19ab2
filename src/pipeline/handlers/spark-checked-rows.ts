import { z } from 'zod';
import { ClaimflowError } from '../../domain/errors.ts';
import { DIMENSIONS } from '../../domain/quality-score.ts';
import type { RuleDimension } from '../../domain/rule.ts';
import { engineOutputPrefix } from '../../domain/store-layout.ts';
import type { CheckedRows, CheckSummary, DuplicateCounts, Measured } from '../file-job/checked-rows.ts';
import type { StagedClaimFile, StagedFile } from '../file-job/job-workspace.ts';
import type { ObjectStore } from '../object-store.ts';
import type { RuleSample } from '../validation-report.ts';

/** A finished run's outputs are missing or not what the plan writes. */
export class SparkOutputError extends ClaimflowError {
  readonly code = 'spark_output';
  constructor(
    readonly jobId: string,
    readonly output: string,
    readonly problem: string,
  ) {
    super(`spark job ${jobId}: output ${output}: ${problem}`);
  }
}

/** Spark writes JSON numbers; DuckDB (in tests) may write HUGEINT sums as numbers too. Null counts as 0. */
const count = z.union([z.number(), z.null()]).transform((n) => n ?? 0);
const text = z.union([z.string(), z.number(), z.null()]).transform((v) => (v === null ? null : String(v)));
const OUTPUTS = {
  summary: z.object({ total: count, quarantined: count }),
  rule_counts: z.object({ rule_id: z.string(), row_count: count }),
  rule_samples: z.object({
    rule_id: z.string(),
    source_row_number: z.number(),
    claim_id: text,
    claim_line_number: text,
  }),
  dimension_failures: z.object(
    Object.fromEntries(DIMENSIONS.map((d) => [d, count])) as Record<RuleDimension, typeof count>,
  ),
  duplicate_counts: z.object({ repeated_rows: count, distinct_lines: count, kept: count, flagged: count }),
  ingested: z.object({ source_rows: count }),
};
const SPARK_MONTH = /\/year=(\d{4})\/month=(\d{2})\/[^/]+\.parquet$/;

/** The checked rows of a Spark run, as its plan left them under `temp/<job_id>/` (docs/spark-plan.md). */
export class SparkCheckedRows implements CheckedRows {
  constructor(
    private readonly store: ObjectStore,
    private readonly jobId: string,
  ) {}

  async summarize(): Promise<CheckSummary> {
    const [summary] = await this.readOutput('summary');
    if (!summary) throw new SparkOutputError(this.jobId, 'summary', 'no row');
    return summary;
  }

  async measure(summary: CheckSummary): Promise<Measured> {
    const counts = new Map((await this.readOutput('rule_counts')).map((r) => [r.rule_id, r.row_count]));
    const samples = new Map<string, RuleSample[]>();
    for (const { rule_id, ...sample } of await this.readOutput('rule_samples')) {
      samples.set(rule_id, [...(samples.get(rule_id) ?? []), sample]);
    }
    // Spark does not keep the plan's ORDER BY across its write: put it back (lowest row numbers first).
    for (const list of samples.values()) list.sort(compareSamples);
    const [dimensionFailures] = await this.readOutput('dimension_failures');
    if (!dimensionFailures) throw new SparkOutputError(this.jobId, 'dimension_failures', 'no row');
    return { ...summary, counts, samples, dimensionFailures };
  }

  async countDuplicates(): Promise<DuplicateCounts> {
    const [duplicates] = await this.readOutput('duplicate_counts');
    if (!duplicates) throw new SparkOutputError(this.jobId, 'duplicate_counts', 'no row');
    return duplicates;
  }

  /** The records read from the file, before a layout filters, merges or unpivots them; null from a plan without the count. */
  async countSourceRows(): Promise<number | null> {
    const [ingested] = await this.readOutput('ingested');
    return ingested ? ingested.source_rows : null;
  }

  async stageQuarantine(): Promise<StagedFile[]> {
    return (await this.parquetParts('quarantine')).map((key) => ({ key }));
  }

  async stageClaims(): Promise<StagedClaimFile[]> {
    return (await this.parquetParts('claims')).map((key) => {
      const [, year, month] = SPARK_MONTH.exec(key) ?? [];
      if (!year || !month) throw new SparkOutputError(this.jobId, 'claims', 'a part file outside year=/month= folders');
      return { year, month, file: { key } };
    });
  }

  /** The rows of a JSON output: JSON lines in its part files (Spark writes one, with `_SUCCESS` beside it). */
  private async readOutput<K extends keyof typeof OUTPUTS>(name: K): Promise<Array<z.output<(typeof OUTPUTS)[K]>>> {
    const keys = (await this.store.list(engineOutputPrefix(this.jobId, name))).filter((k) => k.endsWith('.json'));
    const rows: Array<z.output<(typeof OUTPUTS)[K]>> = [];
    for (const key of keys) {
      for (const line of (await this.store.readText(key)).split('\n')) {
        if (line.trim() === '') continue;
        const parsed = OUTPUTS[name].safeParse(JSON.parse(line));
        if (!parsed.success) throw new SparkOutputError(this.jobId, name, 'a row does not match the plan');
        rows.push(parsed.data as z.output<(typeof OUTPUTS)[K]>);
      }
    }
    return rows;
  }

  /** Part files of an output, in name order (`part-00000-...`), without `_SUCCESS` and checksums. */
  private async parquetParts(output: 'quarantine' | 'claims'): Promise<string[]> {
    return (await this.store.list(engineOutputPrefix(this.jobId, output))).filter((k) => k.endsWith('.parquet'));
  }
}

/**
 * The plan's sample order: row number, then claim id and line number (NULLs last), compared as
 * UTF-8 bytes as Spark and DuckDB compare text, so lines unpivoted from one row come in one order.
 */
function compareSamples(a: RuleSample, b: RuleSample): number {
  const text = (x: string | null, y: string | null): number =>
    x === y ? 0 : x === null ? 1 : y === null ? -1 : Buffer.compare(Buffer.from(x), Buffer.from(y));
  return (
    a.source_row_number - b.source_row_number ||
    text(a.claim_id, b.claim_id) ||
    text(a.claim_line_number, b.claim_line_number)
  );
}
