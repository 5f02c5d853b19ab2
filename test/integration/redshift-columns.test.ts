import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { publishedColumnsOf, REDSHIFT_LAYOUT } from '../../src/adapters/aws/redshift-columns.ts';
import { tablePrefix } from '../../src/domain/store-layout.ts';
import { TABLES } from '../../src/domain/tables/tables.ts';
import { claimflow, lit, sql, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';

/** The Redshift type a published Parquet column loads into (COPY matches columns by position). */
function redshiftTypeOf(duckdbType: string): string {
  if (duckdbType === 'VARCHAR') return 'VARCHAR(65535)';
  if (duckdbType === 'VARCHAR[]') return 'SUPER';
  return duckdbType;
}

const NPPES = fileURLToPath(new URL('../fixtures/nppes/npidata_pfile_20250106-20250112.csv', import.meta.url));

describe('the Redshift tables of the warehouse load', () => {
  /** Each table's published Parquet columns, as a fresh DuckDB reads the files' schema. */
  const parquetColumns = new Map<string, Array<{ name: string; type: string }>>();

  before(async () => {
    const dir = await tempDir('redshift-columns');
    const input = join(dir, 'claims.csv');
    const root = join(dir, 'root');
    const generated = await claimflow('generate', '--rows', '300', '--out', input, '--seed', '5', '--month', '2025-02');
    assert.equal(generated.code, 0, generated.stderr);
    // The AWS paths publish every canonical column (REDSHIFT_LAYOUT); a config asks the same here.
    const config = join(dir, 'claimflow.yaml');
    await writeFile(config, `published_layout: ${REDSHIFT_LAYOUT}\n`);
    const tuva = join(SHARED_DIR, 'samples/tuva');
    const inputs = [input, join(tuva, 'pharmacy_claim_seed.csv'), join(tuva, 'eligibility_seed.csv'), NPPES];
    // The NPPES fixture plants a defect in 7 of its 15 rows.
    const run = await claimflow(
      'run',
      ...inputs,
      '--root',
      root,
      '--json',
      '--config',
      config,
      '--error-threshold',
      '1',
    );
    assert.equal(run.code, 0, run.stderr);
    for (const table of TABLES) {
      const files = join(root, tablePrefix(table.name), '*/*/*.parquet');
      const described = await sql(`DESCRIBE SELECT * FROM read_parquet(${lit(files)}, hive_partitioning = false)`);
      parquetColumns.set(
        table.name,
        described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) })),
      );
    }
  });

  for (const table of TABLES) {
    it(`has ${table.name}'s published Parquet columns, in file order, with matching types`, () => {
      const columns = parquetColumns.get(table.name) ?? [];
      // Every canonical column of the table, then job_id, source_row_number, its enrichments, dq_warnings, extra_columns.
      assert.equal(
        columns.length,
        table.columns.length + table.enrichments.length + 4,
        `read ${columns.length} columns`,
      );
      assert.deepEqual(
        publishedColumnsOf(table).map((c) => `${c.name} ${c.type}`),
        columns.map((c) => `${c.name} ${redshiftTypeOf(c.type)}`),
      );
    });
  }
});
