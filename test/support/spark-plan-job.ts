import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { findCodeSetFilesIn } from '../../src/adapters/duckdb/load-code-sets.ts';
import { readHead } from '../../src/adapters/local-store/read-head.ts';
import { SparkWorker } from '../../src/adapters/spark/spark-worker.ts';
import type { CodeSetName } from '../../src/domain/code-sets.ts';
import { HEAD_BYTES } from '../../src/domain/detect-format.ts';
import { createFileSettings } from '../../src/pipeline/file-settings.ts';
import { runConfigSchema } from '../../src/pipeline/run-config.ts';
import { codeSetRelation } from '../../src/plan/compile-code-set.ts';
import { buildEnginePlan, type EnginePlan, enginePlanKey } from '../../src/plan/engine-plan.ts';
import { sparkDialect } from '../../src/plan/spark-dialect.ts';

/**
 * Spark settings for tests: no web UI, and the JIT's first tier only (a JVM that lives for a few
 * plans spends a third less CPU without the optimising compiler).
 */
export const TEST_SPARK_CONF = ['spark.ui.enabled=false', 'spark.driver.extraJavaOptions=-XX:TieredStopAtLevel=1'];

/**
 * A Spark worker for one test file, on two local cores (what CI has). Close it in an `after`
 * hook, which runs even when `before` failed.
 */
export function startTestWorker(conf: readonly string[] = []): Promise<SparkWorker> {
  return SparkWorker.start({
    master: 'local[2]',
    conf: [...TEST_SPARK_CONF, ...conf],
    onLog: process.env.CLAIMFLOW_SPARK_LOG ? (line) => process.stderr.write(`spark: ${line}\n`) : undefined,
  });
}

export interface PlannedJob {
  readonly plan: EnginePlan;
  /** Where the plan was written, under `<root>/temp/<job_id>/`. */
  readonly planPath: string;
  /** A store key's path under the root. */
  readonly at: (key: string) => string;
}

/**
 * The Spark plan of `input` as `claimflow plan` builds it (default config, `runDate`, the code
 * sets of `refdata` if given), its outputs under `root`, written to `temp/<job_id>/plan.json`.
 * `settings` are added to the plan's session settings (split sizes, for example).
 */
export async function planSparkJob(
  input: string,
  root: string,
  jobId: string,
  options: { runDate?: string; refdata?: string; settings?: Record<string, string> } = {},
): Promise<PlannedJob> {
  const codeSetFiles = options.refdata ? findCodeSetFilesIn(options.refdata) : new Map<CodeSetName, string>();
  const settingsFor = createFileSettings(
    runConfigSchema.parse({}),
    { runDate: options.runDate ?? '2026-01-31' },
    new Set(codeSetFiles.keys()),
    codeSetRelation,
  );
  const at = (key: string): string => join(root, key);
  const built = buildEnginePlan({
    dialect: sparkDialect,
    jobId,
    fileName: basename(input),
    inputPath: input,
    head: await readHead(input, HEAD_BYTES),
    settings: settingsFor(input),
    ingestDatetime: '2026-01-31T10:20:30.000Z',
    codeSetFiles,
    locate: at,
  });
  const plan = { ...built, settings: { ...built.settings, ...options.settings } };
  const planPath = at(enginePlanKey(jobId));
  await mkdir(dirname(planPath), { recursive: true });
  await writeFile(planPath, JSON.stringify(plan));
  return { plan, planPath, at };
}
