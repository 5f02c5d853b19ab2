import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileJobHarness } from '../../../test/support/file-job-harness.ts';
import { SHARED_DIR } from '../../../test/support/shared.ts';
import { convertX12 } from '../../adapters/x12/convert-x12.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import { convertRecords, moreTablesOf } from './convert-records.ts';
import type { ConversionSummary, RecordConverter, RecordConverters } from './file-job-options.ts';
import type { JobContext } from './job-context.ts';

const X12_SAMPLE = join(SHARED_DIR, 'samples/x12/uhin/837.edi');

describe('convert-records: a record file converted to canonical NDJSON, or the file rejected', () => {
  const harness = fileJobHarness('convert-records');
  let warnings: Array<[string, Record<string, unknown> | undefined]>;

  const jobWith = (convert?: Partial<RecordConverters>): JobContext =>
    harness.jobContext(
      X12_SAMPLE,
      { jobId: 'job-convert' },
      {
        logger: {
          info: () => {},
          warn: (m: string, f?: Record<string, unknown>) => void warnings.push([m, f]),
          error: () => {},
        },
        convertRecords: convert as RecordConverters | undefined,
      },
    );
  const returning =
    (summary: ConversionSummary): RecordConverter =>
    async () =>
      summary;
  const rejectedBy = (ruleId: string, reason: RegExp) => (error: unknown) => {
    assert.ok(error instanceof ClaimFileError, `a ClaimFileError, not ${String(error)}`);
    assert.equal(error.ruleId, ruleId);
    assert.match(error.reason, reason);
    return true;
  };

  it('converts the UHIN 837 sample in place with the real X12 converter into canonical NDJSON lines', async () => {
    warnings = [];
    const output = join(harness.dir, 'records.ndjson');
    const job = jobWith({ x12: convertX12 });
    const result = await convertRecords(job, 'x12', output);
    assert.ok(result.claims > 0 && result.lines >= result.claims);
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    assert.equal(lines.length, result.lines);
    const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
    assert.ok(typeof first.claim_id === 'string' && first.claim_id.length > 0);
    assert.ok('convert' in job.timings);
    assert.deepEqual(warnings, []);
  });

  it('hands the converter the input and output paths, and warns of dropped claims by position only', async () => {
    warnings = [];
    const calls: string[][] = [];
    const summary = { claims: 3, lines: 4, errors: [{ position: 'segment 57', segment: 'CLM', reason: 'no CLM01' }] };
    const result = await convertRecords(
      jobWith({
        fhir: async (input, output, table) => {
          calls.push([input, output, table]);
          return summary;
        },
      }),
      'fhir',
      '/scratch/records.ndjson',
    );
    assert.deepEqual(result, { ...summary, table: 'medical_claim' });
    assert.deepEqual(calls, [[X12_SAMPLE, '/scratch/records.ndjson', 'medical_claim']]);
    assert.deepEqual(warnings, [
      [
        'claims dropped in conversion',
        { job_id: 'job-convert', file: '837.edi', errors: 1, first_position: 'segment 57' },
      ],
    ]);
  });

  it('takes the table a file has claims of when it has no medical claim; a first job names the tables left over', async () => {
    const calls: string[] = [];
    const job = jobWith({
      fhir: async (_input, _output, table): Promise<ConversionSummary> => {
        calls.push(table);
        return table === 'medical_claim'
          ? { claims: 0, lines: 0, errors: [], otherTables: { pharmacy_claim: 2 } }
          : { claims: 2, lines: 3, errors: [], otherTables: {} };
      },
    });
    const result = await convertRecords(job, 'fhir', '/scratch/out.ndjson');
    assert.deepEqual(calls, ['medical_claim', 'pharmacy_claim']);
    assert.equal(result.table, 'pharmacy_claim');
    assert.deepEqual(moreTablesOf(job, result), []);
    const mixed = { claims: 1, lines: 1, errors: [], otherTables: { pharmacy_claim: 2 }, table: 'medical_claim' };
    assert.deepEqual(moreTablesOf(job, mixed), ['pharmacy_claim']);
    const second = harness.jobContext(X12_SAMPLE, { jobId: 'job-part', recordTable: 'pharmacy_claim' });
    assert.deepEqual(moreTablesOf(second, mixed), [], 'a job of one table starts no other');
    assert.match(second.sourceKey, /\.pharmacy_claim$/, 'its outputs are apart from the first job’s');
  });

  it('rejects a file with errors and no line as unreadable_file, naming the first error', async () => {
    const errors = [
      { position: 'entry 1', reason: 'not a claim' },
      { position: 'entry 2', reason: 'no total' },
    ];
    await assert.rejects(
      convertRecords(jobWith({ fhir: returning({ claims: 0, lines: 0, errors }) }), 'fhir', '/scratch/out.ndjson'),
      rejectedBy('unreadable_file', /^no claim could be read \(2 error\(s\); first at entry 1: not a claim\)$/),
    );
  });

  it('rejects a file without a claim and without errors as empty_file', async () => {
    const none = { claims: 0, lines: 0, errors: [] };
    await assert.rejects(
      convertRecords(jobWith({ x12: returning(none) }), 'x12', '/scratch/out.ndjson'),
      rejectedBy('empty_file', /no claim \(CLM\)/),
    );
    await assert.rejects(
      convertRecords(jobWith({ fhir: returning(none) }), 'fhir', '/scratch/out.ndjson'),
      rejectedBy('empty_file', /no claim resource/),
    );
  });

  it('turns a converter failure into unreadable_file, the cause kept', async () => {
    const failure = new Error('unexpected end of input');
    await assert.rejects(
      convertRecords(
        jobWith({
          x12: async () => {
            throw failure;
          },
        }),
        'x12',
        '/scratch/out.ndjson',
      ),
      (error: unknown) =>
        rejectedBy('unreadable_file', /unexpected end of input/)(error) &&
        error instanceof Error &&
        error.cause === failure,
    );
  });

  it('fails as a system error (not a rejected file) when no converter is wired in', async () => {
    await assert.rejects(convertRecords(jobWith({}), 'x12', '/scratch/out.ndjson'), (error: unknown) => {
      assert.equal(error instanceof ClaimFileError, false);
      assert.match(String(error), /no x12 converter is wired into this pipeline/);
      return true;
    });
  });
});
