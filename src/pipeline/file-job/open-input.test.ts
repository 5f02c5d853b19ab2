import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { fileJobHarness, fileSettingsFor as settingsFor } from '../../../test/support/file-job-harness.ts';
import { SHARED_DIR } from '../../../test/support/shared.ts';
import { createLocalInputFiles } from '../../adapters/local-store/local-input-files.ts';
import { HEAD_BYTES } from '../../domain/detect-format.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import type { FileJobOptions } from './file-job-options.ts';
import type { JobContext } from './job-context.ts';
import { openInput } from './open-input.ts';

const X12_SAMPLE = join(SHARED_DIR, 'samples/x12/uhin/837.edi');

/** The file rule a rejection names. */
const rejectedBy =
  (ruleId: string) =>
  (error: unknown): boolean => {
    assert.ok(error instanceof ClaimFileError, `a ClaimFileError, not ${String(error)}`);
    assert.equal(error.ruleId, ruleId);
    return true;
  };

describe('open-input: what the first bytes of a file tell, and the files rejected before the engine reads them', () => {
  const harness = fileJobHarness('open-input');
  const { write } = harness;
  const inflated: string[] = [];

  const jobAt = (path: string, options: Partial<FileJobOptions> = {}): JobContext => {
    const files = createLocalInputFiles(HEAD_BYTES);
    const counting = {
      ...files,
      countInflatedBytes: (p: string, limit: number) => {
        inflated.push(`${p}:${limit}`);
        return files.countInflatedBytes(p, limit);
      },
    };
    return harness.jobContext(path, options, { files: counting });
  };

  it('rejects an empty file as empty_file', async () => {
    const path = await write('empty.csv', '');
    await assert.rejects(openInput(jobAt(path)), rejectedBy('empty_file'));
  });

  it('rejects a file it cannot open as unreadable_file, with the cause kept', async () => {
    await assert.rejects(openInput(jobAt(join(harness.dir, 'no-such-file.csv'))), (error: unknown) => {
      rejectedBy('unreadable_file')(error);
      assert.equal(((error as ClaimFileError).cause as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
  });

  it('rejects binary content as unreadable_file', async () => {
    const path = await write('binary.csv', Buffer.from([0x63, 0x6c, 0x00, 0x01, 0x02, 0x0a]));
    await assert.rejects(openInput(jobAt(path)), rejectedBy('unreadable_file'));
  });

  it('rejects a gzip that inflates past max_decompressed_bytes as decompression_limit_exceeded', async () => {
    // 2 MB of one byte: ~2 KB compressed, so the ratio limit (10_000x) is far above the byte limit.
    const path = await write('bomb.csv.gz', gzipSync(Buffer.alloc(2_000_000, 'a')));
    const job = jobAt(path, {
      limits: { ...settingsFor(path).limits, max_decompressed_bytes: 1_000_000, max_compression_ratio: 10_000 },
    });
    await assert.rejects(openInput(job), (error: unknown) => {
      rejectedBy('decompression_limit_exceeded')(error);
      assert.match((error as ClaimFileError).reason, /inflates past 1000000 bytes/);
      return true;
    });
    assert.ok('inflate' in job.timings, 'the inflate pass is timed');
  });

  it('rejects a gzip that inflates past max_compression_ratio times its size, whatever the byte limit', async () => {
    const compressed = gzipSync(Buffer.alloc(2_000_000, 'a'));
    const path = await write('ratio.csv.gz', compressed);
    const job = jobAt(path, {
      limits: { ...settingsFor(path).limits, max_decompressed_bytes: 10_000_000, max_compression_ratio: 100 },
    });
    inflated.length = 0;
    await assert.rejects(openInput(job), rejectedBy('decompression_limit_exceeded'));
    assert.deepEqual(inflated, [`${path}:${compressed.length * 100}`], 'counted up to the ratio limit only');
  });

  it('opens a gzip CSV within the limits: gzip, format and header from the inflated head', async () => {
    const path = await write('small.csv.gz', gzipSync('claim_id,claim_line_number\nC1,1\n'));
    const opened = await openInput(jobAt(path));
    assert.equal(opened.head.gzip, true);
    assert.equal(opened.head.bytes.toString(), 'claim_id,claim_line_number\nC1,1\n');
    assert.deepEqual(opened.format, { kind: 'csv', delimiter: ',', header: ['claim_id', 'claim_line_number'] });
    assert.equal(opened.recordKind, null);
  });

  it('reads a CSV: its delimiter and header, no record kind, and no inflate pass for plain text', async () => {
    const path = await write('claims.txt', 'claim_id|claim_line_number| person_id \nC1|1|P1\n');
    inflated.length = 0;
    const job = jobAt(path);
    const opened = await openInput(job);
    assert.deepEqual(opened.format, {
      kind: 'csv',
      delimiter: '|',
      header: ['claim_id', 'claim_line_number', 'person_id'],
    });
    assert.equal(opened.recordKind, null);
    assert.equal(opened.head.gzip, false);
    assert.deepEqual(inflated, []);
    assert.equal('inflate' in job.timings, false);
  });

  it('rejects a CSV header wider than limits.max_columns as column_limit_exceeded, naming the count and the limit', async () => {
    const header = Array.from({ length: 30 }, (_, i) => `c${i}`).join(',');
    const path = await write('wide.csv', `${header}\n${'1,'.repeat(29)}1\n`);
    const job = jobAt(path, { limits: { ...settingsFor(path).limits, max_columns: 29 } });
    await assert.rejects(openInput(job), (error: unknown) => {
      rejectedBy('column_limit_exceeded')(error);
      assert.equal(
        (error as ClaimFileError).reason,
        'the header has 30 columns, more than limits.max_columns (29); its rows were not read',
      );
      return true;
    });
    const atLimit = jobAt(path, { limits: { ...settingsFor(path).limits, max_columns: 30 } });
    assert.equal((await openInput(atLimit)).format.kind, 'csv');
  });

  it('rejects a CSV whose header line does not end within the head as column_limit_exceeded', async () => {
    const names = Array.from({ length: HEAD_BYTES / 8 }, (_, i) => `col_${String(i).padStart(4, '0')}`);
    const path = await write('endless-header.csv', `${names.join(',')}\n1\n`);
    await assert.rejects(openInput(jobAt(path)), (error: unknown) => {
      rejectedBy('column_limit_exceeded')(error);
      assert.equal(
        (error as ClaimFileError).reason,
        `the header line does not end within the first ${HEAD_BYTES} bytes of the file; its rows were not read`,
      );
      return true;
    });
    // A header alone, with no line end, in a file shorter than the head is read as it is.
    const short = await write('header-only.csv', 'claim_id,claim_line_number');
    assert.equal((await openInput(jobAt(short))).format.kind, 'csv');
  });

  it('tells NDJSON and JSON arrays from CSV', async () => {
    const ndjson = await openInput(jobAt(await write('claims.ndjson', '{"claim_id":"C1"}\n')));
    assert.deepEqual(ndjson.format, { kind: 'ndjson' });
    const array = await openInput(jobAt(await write('claims.json', '[{"claim_id":"C1"}]\n')));
    assert.deepEqual(array.format, { kind: 'json-array' });
  });

  it('recognises an X12 837 interchange (the UHIN sample, read in place) as recordKind x12', async () => {
    const opened = await openInput(jobAt(X12_SAMPLE));
    assert.equal(opened.recordKind, 'x12');
    assert.equal(opened.head.gzip, false);
    assert.ok(opened.head.bytes.toString().startsWith('ISA*'));
  });

  it('reads an X12 interchange on one line longer than the head as x12, not as a CSV header cut short', async () => {
    const sample = (await readFile(X12_SAMPLE, 'utf8')).replaceAll(/\r?\n/g, '');
    const path = await write('one-line.edi', sample.padEnd(HEAD_BYTES * 2, sample));
    assert.equal((await openInput(jobAt(path))).recordKind, 'x12');
  });

  it('recognises FHIR claim resources as recordKind fhir', async () => {
    const path = await write('bundle.json', '{"resourceType":"Bundle","entry":[]}\n');
    assert.equal((await openInput(jobAt(path))).recordKind, 'fhir');
  });
});
