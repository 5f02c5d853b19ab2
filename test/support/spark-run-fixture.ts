import { rm } from 'node:fs/promises';
import { LocalObjectStore } from '../../src/adapters/local-store/local-object-store.ts';
import { SqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.ts';
import type { FinishedSparkRun, SparkCompletionDeps } from '../../src/pipeline/handlers/spark-completion.ts';
import { createLimiter } from '../../src/pipeline/limiter.ts';
import type { FileTask } from '../../src/pipeline/messages.ts';
import type { DeadLetter } from '../../src/pipeline/ports.ts';
import type { SparkJobManifest } from '../../src/pipeline/spark-job-manifest.ts';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import { QueuedBus } from './aws-lambda-harness.ts';
import { tempDir } from './cli.ts';

export const JOB = 'claims-etl-20260131-102030-0007';
export const TEMP = `temp/${JOB}`;
export const INPUT = 'raw/claims/big feed.csv';
export const clock = { now: () => new Date('2026-02-01T08:00:00Z') };
export const task: FileTask = { job_id: JOB, key: INPUT, sha256: 'c0ffee', input_file: 'big feed.csv', months: [] };
export const succeeded: FinishedSparkRun = {
  jobId: JOB,
  runId: 'jr_1',
  state: 'SUCCEEDED',
  succeeded: true,
  error: null,
  executionSeconds: 95,
};

/** Glue's outputs of a run, as the plan writes them (JSON lines; Parquet parts here stand-in bytes). */
export interface SparkOutputs {
  readonly summary: { total: number; quarantined: number };
  readonly ruleCounts?: Array<{ rule_id: string; row_count: number }>;
  readonly samples?: Array<{
    rule_id: string;
    source_row_number: number;
    claim_id: string | null;
    claim_line_number: string | null;
  }>;
  readonly quarantineParts?: string[];
  /** Part contents by `year=YYYY/month=MM`. */
  readonly claimParts?: Record<string, string[]>;
}

export const dimensions = { completeness: 7, validity: 3, consistency: 0, uniqueness: 0, timeliness: 0 };

/** A store, ledger, bus and manual-review queue around one handed-over Glue run, set up anew per test. */
export class SparkRunFixture {
  root = '';
  store = new LocalObjectStore('');
  ledger = new SqliteLedger(':memory:');
  bus = new QueuedBus();
  letters: DeadLetter[] = [];

  async setUp(): Promise<void> {
    this.root = await tempDir('spark-completion');
    this.store = new LocalObjectStore(this.root);
    this.ledger = new SqliteLedger(':memory:');
    this.bus = new QueuedBus();
    this.letters = [];
    await this.store.writeText(INPUT, 'claim_id,claim_line_number\nC1,1\n');
    await this.ledger.claimDelivery(task.sha256, INPUT, JOB, new Date('2026-01-31T10:20:30Z'));
  }

  async tearDown(): Promise<void> {
    if (this.root) await rm(this.root, { recursive: true, force: true });
  }

  deps(): SparkCompletionDeps {
    const letters = this.letters;
    return {
      store: this.store,
      bus: this.bus,
      ledger: this.ledger,
      clock,
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      exclusive: createLimiter(1),
      dlq: { put: async (l: DeadLetter) => void letters.push(l), list: async () => letters, remove: async () => {} },
    };
  }

  manifest(overrides: Partial<SparkJobManifest> = {}): SparkJobManifest {
    return {
      version: 1,
      task,
      started_at: '2026-01-31T10:20:30.000Z',
      format: 'csv',
      data_source: 'claims',
      error_rate_threshold: 0.05,
      rules: [
        { id: 'malformed_row', action: 'quarantine', severity: 'high' },
        { id: 'required_field_missing', action: 'quarantine', severity: 'high' },
        { id: 'invalid_date_format', action: 'warn', severity: 'medium' },
      ],
      skipped_rules: [{ rule_id: 'unknown_icd10cm_code', reason: 'no icd10cm reference list' }],
      unknown_columns: ['note'],
      missing_optional_columns: 4,
      profile: null,
      publishes: true,
      table: 'medical_claim',
      ...overrides,
    };
  }

  /** Writes a run's outputs under `temp/<job_id>/` as Glue leaves them, with the plan and manifest beside them. */
  async stage(outputs: SparkOutputs, m: SparkJobManifest = this.manifest()): Promise<void> {
    const { store } = this;
    await store.writeText(`${TEMP}/plan.json`, '{}\n');
    await store.writeText(`${TEMP}/job.json`, JSON.stringify(m));
    const json = async (name: string, rows: readonly object[]) => {
      await store.writeText(
        `${TEMP}/${name}/part-00000-1b2c-c000.json`,
        rows.map((r) => `${JSON.stringify(r)}\n`).join(''),
      );
      await store.writeText(`${TEMP}/${name}/_SUCCESS`, '');
    };
    await json('summary', [outputs.summary]);
    await json('rule_counts', outputs.ruleCounts ?? []);
    await json('rule_samples', outputs.samples ?? []);
    await json('dimension_failures', [dimensions]);
    await json('duplicate_counts', [{ repeated_rows: 6, distinct_lines: 3, kept: 2, flagged: 2 }]);
    for (const [i, part] of (outputs.quarantineParts ?? []).entries()) {
      await store.writeText(`${TEMP}/quarantine/part-0000${i}-9f.c000.snappy.parquet`, part);
    }
    for (const [partition, parts] of Object.entries(outputs.claimParts ?? {})) {
      for (const [i, part] of parts.entries()) {
        await store.writeText(`${TEMP}/claims/${partition}/part-0000${i}-9f.c000.snappy.parquet`, part);
      }
      await store.writeText(`${TEMP}/claims/_SUCCESS`, '');
    }
    await store.writeText(`${TEMP}/aggregations/monthly_by_payer_claim_type/part-00000-9f.c000.snappy.parquet`, 'agg');
  }

  async report(): Promise<ValidationReport> {
    return JSON.parse(await this.store.readText(`validation-reports/${JOB}.json`)) as ValidationReport;
  }

  /** What the handler put on the bus, as [topic, message]. */
  published(): Array<readonly [string, unknown]> {
    return this.bus.queue.map(({ topic, message }) => [topic, message] as const);
  }
}
