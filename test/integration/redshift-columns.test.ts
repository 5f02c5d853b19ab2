import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { PUBLISHED_CLAIM_COLUMNS, REDSHIFT_LAYOUT } from '../../src/adapters/aws/redshift-columns.ts';
import { claimflow, lit, sql, tempDir } from '../support/cli.ts';

/** The Redshift type a published Parquet column loads into (COPY matches columns by position). */
function redshiftTypeOf(duckdbType: string): string {
  if (duckdbType === 'VARCHAR') return 'VARCHAR(65535)';
  if (duckdbType === 'VARCHAR[]') return 'SUPER';
  return duckdbType;
}

describe('the Redshift table of the warehouse load', () => {
  let parquetColumns: Array<{ name: string; type: string }>;

  before(async () => {
    const dir = await tempDir('redshift-columns');
    const input = join(dir, 'claims.csv');
    const root = join(dir, 'root');
    const generated = await claimflow('generate', '--rows', '300', '--out', input, '--seed', '5', '--month', '2025-02');
    assert.equal(generated.code, 0, generated.stderr);
    // The AWS paths publish every canonical column (REDSHIFT_LAYOUT); a config asks the same here.
    const config = join(dir, 'claimflow.yaml');
    await writeFile(config, `published_layout: ${REDSHIFT_LAYOUT}\n`);
    const run = await claimflow('run', input, '--root', root, '--json', '--config', config);
    assert.equal(run.code, 0, run.stderr);
    const files = join(root, 'processed/claims/*/*/*.parquet');
    const described = await sql(`DESCRIBE SELECT * FROM read_parquet(${lit(files)}, hive_partitioning = false)`);
    parquetColumns = described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  });

  it('has the published Parquet columns, in file order, with matching types', () => {
    assert.ok(parquetColumns.length > 150, `read ${parquetColumns.length} columns`);
    assert.deepEqual(
      PUBLISHED_CLAIM_COLUMNS.map((c) => `${c.name} ${c.type}`),
      parquetColumns.map((c) => `${c.name} ${redshiftTypeOf(c.type)}`),
    );
  });
});
