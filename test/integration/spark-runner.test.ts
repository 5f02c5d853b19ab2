import assert from 'node:assert/strict';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { SparkWorker } from '../../src/adapters/spark/spark-worker.ts';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { sql, tempDir } from '../support/cli.ts';
import { planSparkJob, startTestWorker } from '../support/spark-plan-job.ts';

/** The JSON lines of a Spark JSON output folder. */
async function jsonOutput(folder: string): Promise<Record<string, unknown>[]> {
  const parts = (await readdir(folder)).filter((f) => f.endsWith('.json'));
  const text = (await Promise.all(parts.map((p) => readFile(join(folder, p), 'utf8')))).join('');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/**
 * glue/run_plan.py under real PySpark (local mode, the version Glue 5.0 runs): the plan of a
 * generated file, compiled in the Spark dialect, runs whole and leaves every output the
 * completion step reads.
 */
describe('glue/run_plan.py on local Spark', () => {
  let dir = '';
  let worker: SparkWorker | undefined;
  const JOB = 'claims-etl-20260131-102030-0001';

  before(async () => {
    dir = await tempDir('spark-runner');
    worker = await startTestWorker();
  });
  after(async () => {
    await worker?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the plan of a generated file and writes each output of the plan', async () => {
    const input = join(dir, 'claims.csv');
    const generated = await writeClaimsFile(input, 2000, 'csv', { seed: 5, defectRate: 0.05, month: '2025-10' });
    const root = join(dir, 'root');
    const { planPath, at } = await planSparkJob(input, root, JOB);
    const result = await (worker as SparkWorker).run(planPath, JOB);
    assert.ok(result.seconds > 0);

    const temp = at(`temp/${JOB}`);
    const [summary] = await jsonOutput(join(temp, 'summary'));
    assert.equal(summary?.total, generated.rows);
    const quarantined = Number(summary?.quarantined);
    assert.ok(quarantined > 20 && quarantined < 200, `quarantined ${quarantined}`);
    const ruleCounts = await jsonOutput(join(temp, 'rule_counts'));
    assert.ok(ruleCounts.some((r) => r.rule_id === 'invalid_date_format' && Number(r.row_count) > 0));
    const [duplicates] = await jsonOutput(join(temp, 'duplicate_counts'));
    assert.ok(Number(duplicates?.repeated_rows) > 0, 'the generator plants duplicates');

    const [quarantine] = await sql(
      `SELECT COUNT(*) AS n, MIN(source_row_number) AS lo, MAX(source_row_number) AS hi FROM read_parquet('${join(temp, 'quarantine')}/*.parquet')`,
    );
    assert.equal(Number(quarantine?.n), quarantined);
    assert.ok(Number(quarantine?.lo) >= 1 && Number(quarantine?.hi) <= generated.rows);
    const [claims] = await sql(
      `SELECT COUNT(*) AS n, COUNT(DISTINCT source_row_number) AS rows, MIN(year) AS year, MIN(month) AS month
       FROM read_parquet('${join(temp, 'claims')}/*/*/*.parquet', hive_partitioning = true)`,
    );
    assert.equal(Number(claims?.n), Number(claims?.rows), 'each published line once');
    assert.ok(Number(claims?.n) > generated.rows - quarantined - Number(duplicates?.repeated_rows));
    assert.equal(`${claims?.year}-${String(claims?.month).padStart(2, '0')}`, '2025-10');
    const aggregations = await readdir(join(temp, 'aggregations'));
    assert.ok(aggregations.length > 0);
  });

  it('reports a plan that fails as an error of that plan, and goes on serving', async () => {
    const input = join(dir, 'other.csv');
    await writeClaimsFile(input, 10, 'csv', { seed: 6, defectRate: 0, month: '2025-10' });
    const job = 'claims-etl-20260131-102030-0002';
    const { planPath } = await planSparkJob(input, join(dir, 'root2'), job);
    await assert.rejects(
      (worker as SparkWorker).run(planPath, 'claims-etl-20260131-102030-0009'),
      /spark job .*of job/,
    );
    await (worker as SparkWorker).run(planPath, job);
  });
});
