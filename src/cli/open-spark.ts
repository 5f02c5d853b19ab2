import { resolve } from 'node:path';
import { findCodeSetFilesIn } from '../adapters/duckdb/load-code-sets.ts';
import { SparkWorker } from '../adapters/spark/spark-worker.ts';
import type { CodeSetName } from '../domain/code-sets.ts';
import type { SparkEngine } from '../pipeline/file-job/spark-file-job.ts';
import { sparkDialect } from '../plan/spark-dialect.ts';
import { loadConfig } from './load-config.ts';
import type { RunFlags } from './options.ts';

/** A started Spark engine for `run --engine spark`, closed when the command ends. */
export interface OpenSpark {
  readonly engine: SparkEngine;
  close(): Promise<void>;
}

/**
 * Starts one Spark worker for the whole command (`--spark-master`, default `local[*]`; each
 * `--spark-conf key=value` a session setting). The web UI is off unless a setting turns it on.
 * The reference lists are the files under the same refdata folder DuckDB loads.
 */
export async function openSpark(flags: RunFlags): Promise<OpenSpark> {
  const config = await loadConfig(flags.config);
  const refdata = flags.refdata ? resolve(flags.refdata) : config.refdata;
  const codeSetFiles = refdata ? findCodeSetFilesIn(refdata) : new Map<CodeSetName, string>();
  const worker = await SparkWorker.start({
    master: flags.sparkMaster,
    conf: ['spark.ui.enabled=false', ...flags.sparkConf],
    onLog: flags.verbose ? (line) => process.stderr.write(`spark: ${line}\n`) : undefined,
  });
  return {
    engine: { dialect: sparkDialect, codeSetFiles, run: (plan, jobId) => worker.run(plan, jobId) },
    close: () => worker.close(),
  };
}
