import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { tempDir } from '../../../test/support/cli.ts';
import { fileSettingsFor as settingsFor } from '../../../test/support/file-job-harness.ts';
import { InjectedStoreFault, MemoryObjectStore } from '../../../test/support/memory-object-store.ts';
import { SHARED_DIR } from '../../../test/support/shared.ts';
import { DuckDbEngine } from '../../adapters/duckdb/duckdb-engine.ts';
import { createLocalInputFiles } from '../../adapters/local-store/local-input-files.ts';
import { convertX12 } from '../../adapters/x12/convert-x12.ts';
import { writeClaimsFile } from '../../cli/write-claims-file.ts';
import { HEAD_BYTES } from '../../domain/detect-format.ts';
import { GENERATED_COLUMNS } from '../../domain/synthetic-claims.ts';
import { duckdbDialect } from '../../plan/duckdb-dialect.ts';
import { sourceKeyOf } from '../source-key.ts';
import type { ValidationReport } from '../validation-report.ts';
import { processFile } from './file-job.ts';
import type { FileJobDeps, FileJobOptions } from './file-job-options.ts';

const ROWS = 300;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describe('processFile: one claim file through every stage, with DuckDB and an in-memory store', () => {
  let engine: DuckDbEngine | undefined;
  let dir: string | undefined;
  let store: MemoryObjectStore;
  const stores: MemoryObjectStore[] = [];
  let input: string;
  /** Planted defects of the generated file by outcome (quarantine, warn, duplicate). */
  let planted: Record<string, number>;
  let logged: string[];
  let jobs = 0;

  const run = (path: string, options: Partial<FileJobOptions> = {}, more: Partial<FileJobDeps> = {}) => {
    const jobId = `job-file-${++jobs}`;
    const deps = {
      engine: engine as DuckDbEngine,
      store,
      clock: { now: () => new Date('2026-01-02T03:04:05Z') },
      logger: {
        info: (m: string) => void logged.push(m),
        warn: (m: string) => void logged.push(m),
        error: (m: string) => void logged.push(m),
      },
      files: createLocalInputFiles(HEAD_BYTES),
      ...more,
    };
    return { jobId, done: processFile(path, deps, { ...settingsFor(path), jobId, mode: 'run', ...options }) };
  };

  /** The job's temp tables still in the connection (named `<stage>_<job id>` by the workspace). */
  const tablesOf = async (jobId: string): Promise<string[]> =>
    (
      await (engine as DuckDbEngine).query(
        `SELECT table_name FROM duckdb_tables() WHERE temporary AND contains(table_name, ${duckdbDialect.stringLiteral(jobId.replaceAll('-', '_'))}) ORDER BY 1`,
      )
    ).map((r) => String(r.table_name));

  const parquetRows = async (key: string): Promise<number> => {
    const local = await store.fetchLocal(key, 'read-back');
    try {
      const [row] = await (engine as DuckDbEngine).query(
        `SELECT COUNT(*) AS n FROM read_parquet(${duckdbDialect.stringLiteral(local)})`,
      );
      return Number(row?.n);
    } finally {
      await store.dropScratch('read-back');
    }
  };
  const storedReport = async (jobId: string): Promise<ValidationReport> =>
    JSON.parse(await store.readText(`validation-reports/${jobId}.json`)) as ValidationReport;
  const assertNoScratchLeft = () => {
    assert.ok(store.scratchFolders().length > 0, 'the job had a scratch folder');
    assert.deepEqual(
      store.scratchFolders().filter((d) => existsSync(d)),
      [],
    );
  };

  before(async () => {
    engine = await DuckDbEngine.open({ path: ':memory:' });
    dir = await tempDir('file-job');
    input = join(dir, 'claims-2025-10.csv');
    await writeClaimsFile(input, ROWS, 'csv', { seed: 7, defectRate: 0.03, month: '2025-10' });
    planted = {};
    for (const line of (await readFile(`${input}.expected`, 'utf8')).trim().split('\n').slice(1)) {
      const outcome = line.split(',')[3] as string;
      planted[outcome] = (planted[outcome] ?? 0) + 1;
    }
  });
  beforeEach(() => {
    store = new MemoryObjectStore();
    stores.push(store);
    logged = [];
  });
  after(async () => {
    engine?.close();
    for (const s of stores) await s.dropAllScratch();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs a generated CSV to SUCCEEDED: counts add up, outputs and archive are in the store, nothing is left over', async () => {
    assert.ok((planted.quarantine ?? 0) > 0 && (planted.duplicate ?? 0) > 0, 'the file has defects and duplicates');
    const { jobId, done } = run(input);
    const result = await done;
    const { report } = result;

    assert.equal(result.status, 'SUCCEEDED');
    assert.equal(report.validation_status, 'success');
    assert.equal(report.file_error, null);
    assert.equal(report.summary.total_records, ROWS);
    assert.equal(report.summary.error_records, planted.quarantine);
    assert.equal(report.duplicates_removed.total, planted.duplicate);
    assert.equal(
      report.processed_records + report.summary.error_records + report.duplicates_removed.total,
      report.summary.total_records,
    );
    assert.equal(report.format, 'csv');
    assert.equal(report.profile?.name, 'standard');
    assert.equal(report.profile?.source_records, ROWS);

    const sourceKey = sourceKeyOf(input);
    assert.deepEqual(report.outputs.processed, [`processed/claims/year=2025/month=10/${sourceKey}-0.parquet`]);
    assert.deepEqual(result.touchedMonths, ['2025-10']);
    let published = 0;
    for (const key of report.outputs.processed) published += await parquetRows(key);
    assert.equal(published, report.processed_records);
    assert.equal(report.outputs.quarantine_rows, `quarantine/rows/${sourceKey}.parquet`);
    assert.equal(await parquetRows(report.outputs.quarantine_rows), report.summary.error_records);

    const bytes = await readFile(input);
    assert.equal(report.outputs.archive, `archive/2026-01-02/${jobId}/claims-2025-10.csv`);
    assert.deepEqual(store.bytes(report.outputs.archive), bytes);
    assert.equal(report.file_sha256, sha256(bytes));
    assert.equal(report.outputs.quarantine_file, null);

    assert.deepEqual(await storedReport(jobId), JSON.parse(JSON.stringify(report)));
    assert.ok(store.bytes(`validation-reports/${jobId}.html`));
    assert.equal(report.report_location, `memory://validation-reports/${jobId}.json`);
    assert.deepEqual(
      store.keys().filter((k) => !k.startsWith('validation-reports/')),
      [report.outputs.archive, ...report.outputs.processed, report.outputs.quarantine_rows].sort(),
    );
    assertNoScratchLeft();
    assert.deepEqual(await tablesOf(jobId), []);
    assert.deepEqual(logged.slice(-1), ['job succeeded']);
  });

  it('rejects a file over the error-rate threshold: FAILED, input under quarantine/files, nothing published, report written', async () => {
    const { jobId, done } = run(input, { errorRateThreshold: 0.001 });
    const result = await done;
    const { report } = result;

    assert.equal(result.status, 'FAILED');
    assert.equal(report.file_error?.rule_id, 'error_rate_exceeded');
    assert.equal(report.summary.total_records, ROWS, 'the rows were counted before the file was judged');
    assert.equal(report.processed_records, 0);
    assert.deepEqual(result.touchedMonths, []);
    const quarantined = `quarantine/files/${jobId}/claims-2025-10.csv`;
    assert.equal(report.outputs.quarantine_file, quarantined);
    assert.deepEqual(store.bytes(quarantined), await readFile(input));
    assert.deepEqual(report.outputs.processed, []);
    assert.equal(report.outputs.quarantine_rows, null);
    assert.deepEqual(await store.list('processed/'), []);
    assert.deepEqual(await store.list('quarantine/rows/'), []);
    assert.deepEqual(await storedReport(jobId), JSON.parse(JSON.stringify(report)));
    assertNoScratchLeft();
    assert.deepEqual(await tablesOf(jobId), []);
    assert.ok(logged.includes('file rejected'));
  });

  it('rejects a header-only file as empty_file, with a report and the input kept', async () => {
    const path = join(dir as string, 'header-only.csv');
    await writeFile(path, `${GENERATED_COLUMNS.join(',')}\n`);
    const { jobId, done } = run(path);
    const result = await done;
    assert.equal(result.status, 'FAILED');
    assert.equal(result.report.file_error?.rule_id, 'empty_file');
    assert.equal(result.report.summary.total_records, 0);
    assert.ok(store.bytes(`quarantine/files/${jobId}/header-only.csv`));
    assert.ok(store.bytes(`validation-reports/${jobId}.json`));
    assert.deepEqual(await store.list('processed/'), []);
  });

  it('converts an X12 837 file (the UHIN sample, read in place) and runs its lines like any other', async () => {
    const sample = join(SHARED_DIR, 'samples/x12/uhin/837.edi');
    const { jobId, done } = run(sample, {}, { convertRecords: { x12: convertX12, fhir: async () => assert.fail() } });
    const { status, report } = await done;
    assert.equal(report.file_error, null);
    assert.equal(status, 'SUCCEEDED');
    assert.equal(report.format, 'x12');
    assert.equal(report.profile?.name, 'x12-837');
    const conversion = report.profile?.conversion;
    assert.ok(conversion && conversion.lines > 0);
    assert.equal(report.profile?.source_records, conversion.lines);
    assert.equal(report.summary.total_records, conversion.lines);
    assert.equal(
      report.processed_records + report.summary.error_records + report.duplicates_removed.total,
      conversion.lines,
    );
    assert.deepEqual(store.bytes(`archive/2026-01-02/${jobId}/837.edi`), await readFile(sample));
    assertNoScratchLeft();
  });

  it('validates without writing anything but the report: no archive, no outputs, the same counts', async () => {
    const { jobId, done } = run(input, { mode: 'validate' });
    const { status, report } = await done;
    assert.equal(status, 'SUCCEEDED');
    assert.equal(report.summary.error_records, planted.quarantine);
    assert.equal(report.duplicates_removed.total, planted.duplicate);
    assert.equal(report.processed_records, 0);
    assert.equal(report.outputs.archive, null);
    assert.equal(report.file_sha256, sha256(await readFile(input)));
    assert.deepEqual(store.keys(), [`validation-reports/${jobId}.html`, `validation-reports/${jobId}.json`]);
  });

  it('rejects with the store’s error when publishing fails, leaving no scratch folder, no temp table and no report', async () => {
    // What the job had made when its first publish failed: the cleanup below must undo it.
    let madeByThen: { tables: string[]; scratch: string[] } | undefined;
    const jobId = `job-file-${jobs + 1}`;
    class SnoopingStore extends MemoryObjectStore {
      override async publish(localPath: string, key: string): Promise<void> {
        madeByThen ??= { tables: await tablesOf(jobId), scratch: this.scratchFolders().filter((d) => existsSync(d)) };
        return super.publish(localPath, key);
      }
    }
    store = new SnoopingStore({ failOn: ['publish'] });
    stores.push(store);
    const { done } = run(input);
    await assert.rejects(done, (error: unknown) => error instanceof InjectedStoreFault && error.method === 'publish');
    assert.ok(madeByThen, 'the job got as far as publishing');
    assert.ok(madeByThen.tables.includes(`duplicates_${jobId.replaceAll('-', '_')}`), madeByThen.tables.join());
    assert.equal(madeByThen.scratch.length, 1);
    assertNoScratchLeft();
    assert.deepEqual(await tablesOf(jobId), []);
    assert.deepEqual(await store.list('validation-reports/'), []);
    assert.deepEqual(await store.list('processed/'), []);
    assert.deepEqual(await store.list('quarantine/'), [], 'a system error is not a rejected file');
    assert.equal(logged.includes('job succeeded') || logged.includes('job failed'), false);
  });

  it('publishes nothing when the archive copy fails, however far the stages got', async () => {
    store.failOn.add('copyIn');
    const { jobId, done } = run(input);
    await assert.rejects(done, (error: unknown) => error instanceof InjectedStoreFault && error.method === 'copyIn');
    assert.deepEqual(store.keys(), []);
    assertNoScratchLeft();
    assert.deepEqual(await tablesOf(jobId), []);
  });

  it('rejects a file appended to while it is read (file_changed_during_read): nothing published under the old hash', async () => {
    const growing = join(dir as string, 'growing.csv');
    await writeFile(growing, await readFile(input));
    const original = sha256(await readFile(growing));
    // The sender is still writing: more rows land once the archive copy (and its hash) is taken.
    const copyIn = store.copyIn.bind(store);
    store.copyIn = async (path, key) => {
      const hash = await copyIn(path, key);
      await appendFile(path, (await readFile(input, 'utf8')).split('\n').slice(1, 51).join('\n'));
      return hash;
    };
    const { report, status } = await run(growing).done;
    assert.equal(status, 'FAILED');
    assert.equal(report.file_error?.rule_id, 'file_changed_during_read');
    assert.match(
      report.file_error?.reason ?? '',
      /^the file changed while it was read \(its size went from \d+ to \d+ bytes/,
    );
    assert.equal(report.file_sha256, original);
    assert.deepEqual(await store.list('processed/'), []);
  });

  it('rejects a file replaced by another while it is read (file_changed_during_read)', async () => {
    const replaced = join(dir as string, 'replaced.csv');
    await writeFile(replaced, await readFile(input));
    const copyIn = store.copyIn.bind(store);
    store.copyIn = async (path, key) => {
      const hash = await copyIn(path, key);
      // Same bytes, new file: a sender that writes a temp file and renames it over the old one.
      await writeFile(`${path}.new`, await readFile(input));
      await rename(`${path}.new`, path);
      return hash;
    };
    const { report, status } = await run(replaced).done;
    assert.equal(status, 'FAILED');
    assert.match(
      report.file_error?.reason ?? '',
      /^the file changed while it was read \(it was replaced by another file/,
    );
    assert.deepEqual(await store.list('processed/'), []);
  });

  it('drops every temp table the job made, DuckDB’s CSV rejects scan log included', async () => {
    const { jobId, done } = run(input);
    await done;
    assert.deepEqual(await tablesOf(jobId), []);
  });
});
