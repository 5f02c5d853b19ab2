import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { runSamples, type SampleRun } from '../support/profile-run.ts';
import { SHARED_DIR } from '../support/shared.ts';

const X12 = join(SHARED_DIR, 'samples/x12');
const BUNDLE = join(SHARED_DIR, 'samples/synthea/fhir/Rodrigo242_Grady603_9f39bf35-ea79-4383-4eb1-36c43280dff2.json');

/** Segments with this id, counted in the raw text (the samples end segments with `~`). */
const segments = (text: string, id: string): number => text.match(new RegExp(`(?:^|~)\\s*${id}\\*`, 'g'))?.length ?? 0;

/**
 * The record profiles: `run` recognises X12 and FHIR by content, converts them to canonical NDJSON
 * with the records engineer's converters and reads that through the same plan.
 */
describe('the x12-837 and fhir-eob profiles', () => {
  let files: string[];
  let sample: SampleRun;

  before(async () => {
    const x12 = (await readdir(X12, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile() && /\.(837i?|edi)$/.test(e.name))
      .map((e) => join(e.parentPath, e.name));
    files = [...x12, BUNDLE];
    // The TR3 examples carry placeholder NPIs: a high threshold keeps their files from being rejected.
    sample = await runSamples(files, '--error-threshold', '1');
  });

  it('converts every X12 sample: one claim per CLM segment, one line per LX segment', async () => {
    const x12 = files.filter((f) => f !== BUNDLE);
    assert.equal(x12.length, 9);
    for (const file of x12) {
      const text = await readFile(file, 'utf8');
      const report = sample.reports.get(basename(file));
      assert.deepEqual(
        {
          profile: report?.profile?.name,
          format: report?.format,
          conversion: report?.profile?.conversion,
          total: report?.summary.total_records,
        },
        {
          profile: 'x12-837',
          format: 'x12',
          conversion: {
            claims: segments(text, 'CLM'),
            lines: segments(text, 'LX'),
            error_count: 0,
            errors: [],
            other_tables: {},
          },
          total: segments(text, 'LX'),
        },
        basename(file),
      );
    }
  });

  it('converts the Synthea FHIR bundle: one claim per ExplanationOfBenefit, its 4 pharmacy ones in a job of their own', async () => {
    const text = await readFile(BUNDLE, 'utf8');
    const eobs = text.match(/"resourceType":\s*"ExplanationOfBenefit"/g)?.length ?? 0;
    assert.equal(eobs, 30);
    const medical = sample.reports.get(basename(BUNDLE));
    const pharmacy = sample.reports.get(`${basename(BUNDLE)}#pharmacy_claim`);
    for (const report of [medical, pharmacy]) {
      assert.equal(report?.profile?.name, 'fhir-eob');
      assert.equal(report?.format, 'fhir');
      assert.equal(report?.summary.total_records, report?.profile?.conversion?.lines);
    }
    assert.deepEqual(
      [medical?.profile?.table, medical?.profile?.conversion?.claims, medical?.profile?.conversion?.other_tables],
      ['medical_claim', eobs - 4, { pharmacy_claim: 4 }],
    );
    assert.deepEqual(
      [pharmacy?.profile?.table, pharmacy?.profile?.conversion?.claims, pharmacy?.profile?.conversion?.other_tables],
      ['pharmacy_claim', 4, { medical_claim: eobs - 4 }],
    );
    assert.ok((medical?.profile?.source_records ?? 0) > eobs - 4);
  });
});
