import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { convertToLines } from '../../../test/support/converted-lines.ts';
import { SHARED_DIR } from '../../../test/support/shared.ts';
import { REQUIRED_COLUMNS } from '../../domain/canonical-model.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import { X12_837_NEVER_CARRIES } from '../../domain/profiles/record-profiles.ts';
import { DuckDbEngine } from '../duckdb/duckdb-engine.ts';
import type { CanonicalLine, ConversionResult } from '../records/conversion-result.ts';
import { convertX12 } from './convert-x12.ts';

const X12 = join(SHARED_DIR, 'samples/x12');
const L4H = 'linuxforhealth/837_005010X22';
/** Claims and service lines of each sample, counted by hand from the files (CLM and LX segments). */
const SAMPLES: Record<string, { claims: number; lines: number }> = {
  [`${L4H}2A2_demo.ambulance.example5.837`]: { claims: 1, lines: 4 },
  [`${L4H}2A2_demo.autoaccident.837`]: { claims: 1, lines: 2 },
  [`${L4H}2A2_demo.cob.example3.B.837`]: { claims: 1, lines: 3 },
  [`${L4H}2A2_demo.drug.example10.2.837`]: { claims: 1, lines: 6 },
  [`${L4H}2A2_demo.example1.837`]: { claims: 1, lines: 4 },
  [`${L4H}3A3_institutional-claim.837i`]: { claims: 1, lines: 2 },
  [`${L4H}3A3_ppo-repriced-claim.837i`]: { claims: 1, lines: 2 },
  [`${L4H}3A3_two-claims-single-provider.837i`]: { claims: 2, lines: 3 },
  'uhin/837.edi': { claims: 1, lines: 1 },
};
const sample = (name: string): string => join(X12, name);

let dir: string;
async function convert(
  text: string | Buffer,
  name: string,
): Promise<{ result: ConversionResult; lines: CanonicalLine[] }> {
  const input = join(dir, name);
  await writeFile(input, text);
  return convertFile(input);
}

function convertFile(input: string): ReturnType<typeof convertToLines> {
  return convertToLines(convertX12, input, dir);
}

/** Segments of the raw text, trimmed, in order (an independent split for positions and counts). */
function rawSegments(text: string): string[] {
  return text
    .split('~')
    .map((s) => s.trim())
    .filter(Boolean);
}

describe('convertX12 on the X12 837 samples', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claimflow-x12-'));
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const [name, expected] of Object.entries(SAMPLES)) {
    it(`converts ${basename(name)}: ${expected.claims} claim(s), ${expected.lines} line(s)`, async () => {
      const text = await readFile(sample(name), 'utf8');
      const segments = rawSegments(text);
      // Independent count: CLM and LX segments in the raw text.
      const claimSegments = segments.filter((s) => s.startsWith('CLM*')).length;
      const lineSegments = segments.filter((s) => s.startsWith('LX*')).length;
      assert.deepEqual({ claims: claimSegments, lines: lineSegments }, expected, 'the stated figures match the file');
      const { result, lines } = await convertFile(sample(name));
      assert.deepEqual(result.errors, []);
      assert.deepEqual({ claims: result.claims, lines: result.lines }, expected);
      assert.equal(lines.length, expected.lines);
      assert.equal(new Set(lines.map((l) => l.claim_id)).size, expected.claims);
      for (const line of lines) for (const column of REQUIRED_COLUMNS) assert.ok(line[column], `${column} is set`);
      // The profile declares these never carried, so the rules judging only them are skipped.
      for (const line of lines) for (const column of X12_837_NEVER_CARRIES) assert.equal(line[column], undefined);
    });
  }

  it('maps a professional claim: NPIs, diagnoses, dates, subscriber and dependent patient', async () => {
    const { lines } = await convertFile(sample(`${L4H}2A2_demo.autoaccident.837`));
    const [first, second] = lines;
    assert.deepEqual(
      {
        claim_id: first?.claim_id,
        claim_type: first?.claim_type,
        member_id: first?.member_id,
        payer: first?.payer,
        billing_npi: first?.billing_npi,
        billing_tin: first?.billing_tin,
        rendering_npi: first?.rendering_npi,
        facility_npi: first?.facility_npi,
        place_of_service_code: first?.place_of_service_code,
        diagnosis_code_type: first?.diagnosis_code_type,
        diagnosis_code_1: first?.diagnosis_code_1,
        birth_date: first?.birth_date,
        gender: first?.gender,
        claim_start_date: first?.claim_start_date,
      },
      {
        claim_id: '900000032',
        claim_type: 'professional',
        member_id: 'B99977791G',
        payer: 'HEISMAN INSURANCE COMPANY',
        billing_npi: '1253695747',
        billing_tin: '579999999',
        rendering_npi: '2366552595',
        facility_npi: '1235767887',
        place_of_service_code: '11',
        diagnosis_code_type: 'icd-9-cm',
        diagnosis_code_1: '8540',
        // The patient (HL 23, DMG) is the subscriber's dependent: their birth date, not the subscriber's.
        birth_date: '1948-06-01',
        gender: 'male',
        claim_start_date: '2005-10-31',
      },
    );
    assert.deepEqual(
      [first, second].map((l) => [l?.claim_line_number, l?.hcpcs_code, l?.charge_amount, l?.service_unit_quantity]),
      [
        ['1', '99201', '150.00', '1.00'],
        ['2', '26010', '35.00', '1.00'],
      ],
    );
    // A dependent has no id of their own: the subscriber's id plus a digest, never a name.
    assert.match(first?.person_id ?? '', /^B99977791G-[0-9a-f]{12}$/);
    assert.doesNotMatch(JSON.stringify(lines), /DIMPSON/);
  });

  it('maps ICD-10 diagnoses, range dates and modifiers (UHIN 837P, ABK)', async () => {
    const { lines } = await convertFile(sample('uhin/837.edi'));
    assert.deepEqual(
      lines.map((l) => [l.diagnosis_code_type, l.diagnosis_code_1, l.claim_line_start_date, l.claim_line_end_date]),
      [['icd-10-cm', 'R69', '2024-08-15', '2024-08-20']],
    );
    const ambulance = await convertFile(sample(`${L4H}2A2_demo.ambulance.example5.837`));
    assert.deepEqual(
      ambulance.lines.map((l) => [l.hcpcs_code, l.hcpcs_modifier_1, l.place_of_service_code, l.charge_amount]),
      [
        ['A0427', 'RH', '41', '700.00'],
        ['A0425', 'RH', '41', '8.20'],
        ['A0422', 'RH', '41', '46.00'],
        ['A0382', 'RH', '41', '12.30'],
      ],
    );
    assert.deepEqual(
      [1, 2, 3, 4].map((n) => ambulance.lines[0]?.[`diagnosis_code_${n}`]),
      ['8628', 'E8888', '9592', '8540'],
    );
  });

  it('maps institutional claims: bill type, revenue codes, statement and admission dates, CL1, repriced allowed', async () => {
    const { lines } = await convertFile(sample(`${L4H}3A3_ppo-repriced-claim.837i`));
    assert.deepEqual(
      lines.map((l) => ({
        type: l.claim_type,
        bill: l.bill_type_code,
        revenue: l.revenue_center_code,
        hcpcs: l.hcpcs_code,
        charge: l.charge_amount,
        allowed: l.allowed_amount,
        units: l.service_unit_quantity,
        start: l.claim_start_date,
        admission: l.admission_date,
        admitType: l.admit_type_code,
        admitSource: l.admit_source_code,
        status: l.discharge_disposition_code,
        dx: l.diagnosis_code_1,
        rendering: l.rendering_npi,
        facility: l.facility_npi,
      })),
      [
        {
          type: 'institutional',
          // CLM05 "13>A>1": this file declares ":" in ISA16 but writes ">"; the components are still read.
          bill: '131',
          revenue: '0471',
          hcpcs: '92557',
          charge: '178.00',
          allowed: '137.06',
          units: '1.00',
          start: '2005-07-06',
          admission: '2005-07-06',
          admitType: '1',
          admitSource: '2',
          status: '01',
          dx: '38181',
          rendering: '5544332211',
          facility: '1257234346',
        },
        {
          type: 'institutional',
          bill: '131',
          revenue: '0471',
          hcpcs: '92567',
          charge: '59.50',
          allowed: '45.82',
          units: '1.00',
          start: '2005-07-06',
          admission: '2005-07-06',
          admitType: '1',
          admitSource: '2',
          status: '01',
          dx: '38181',
          rendering: '5544332211',
          facility: '1257234346',
        },
      ],
    );
    const two = await convertFile(sample(`${L4H}3A3_two-claims-single-provider.837i`));
    assert.deepEqual(
      two.lines.map((l) => [l.claim_id, l.claim_line_number, l.member_id, l.rendering_npi, l.revenue_center_code]),
      [
        ['756048Q', '1', '030005074', '1122334455', '0305'],
        ['756048Q', '2', '030005074', '1122334455', '0730'],
        ['756049Q', '1', '123405074', '9999999999', '0300'],
      ],
    );
  });

  it("ignores the other payer's loops (2320/2330) of a COB claim", async () => {
    const { lines } = await convertFile(sample(`${L4H}2A2_demo.cob.example3.B.837`));
    assert.deepEqual(
      new Set(lines.map((l) => `${l.member_id}|${l.payer}`)),
      new Set(['222334444|GREAT PRAIRIES HEALTH']),
    );
    assert.deepEqual(
      lines.map((l) => l.claim_line_start_date),
      ['2005-10-03', '2005-10-03', '2005-10-03'],
    );
  });

  it('gives the same records for CRLF, no line breaks, indentation, 004010, gzip and several envelopes in one file', async () => {
    const name = `${L4H}2A2_demo.cob.example3.B.837`;
    const text = await readFile(sample(name), 'utf8');
    const base = await convertFile(sample(name));
    const as4010 = text
      .replace('*^*00501*', '*U*00401*')
      .replace('*005010X222A2~', '*004010X098A1~')
      .replace(/ST\*837\*(\d+)\*005010X222A2~/, 'ST*837*$1~');
    const variants: Record<string, string | Buffer> = {
      crlf: text.replaceAll('\n', '\r\n'),
      'one line': text.replaceAll('\n', ''),
      indented: text.replace(/\n(?=.)/g, '\n    '),
      '004010': as4010,
      gzip: gzipSync(text),
    };
    assert.notEqual(as4010, text);
    for (const [variant, content] of Object.entries(variants)) {
      const { result, lines } = await convert(content, `variant-${variant.replace(' ', '-')}.837`);
      assert.deepEqual(result.errors, [], variant);
      assert.deepEqual(lines, base.lines, variant);
    }
    // Every sample in one file, one interchange after the other: the records of each, in order.
    const names = Object.keys(SAMPLES);
    const all = (await Promise.all(names.map((n) => readFile(sample(n), 'utf8')))).join('');
    const each = await Promise.all(names.map((n) => convertFile(sample(n))));
    const joined = await convert(all, 'all-samples.837');
    assert.deepEqual(joined.result.errors, []);
    assert.deepEqual(
      joined.lines,
      each.flatMap((e) => e.lines),
    );
    assert.deepEqual([joined.result.claims, joined.result.lines], [10, 27]);
  });

  it('drops only a corrupted claim and names the segment and its position', async () => {
    const two = await readFile(sample(`${L4H}3A3_two-claims-single-provider.837i`), 'utf8');
    const example1 = await readFile(sample(`${L4H}2A2_demo.example1.837`), 'utf8');
    // The first claim's second service line is garbled; the second claim and the next interchange are intact.
    const corrupted = `${two.replace('SV2*0730*HC:93005', 'S#2*0730*HC:93005')}${example1}`;
    const position = rawSegments(corrupted).findIndex((s) => s.startsWith('S#2*')) + 1;
    assert.equal(position, 32);
    const { result, lines } = await convert(corrupted, 'corrupted.837');
    assert.deepEqual(result.errors, [{ position: `segment ${position}`, reason: 'unreadable segment id' }]);
    assert.deepEqual([result.claims, result.lines], [2, 5]);
    assert.deepEqual([...new Set(lines.map((l) => l.claim_id))], ['756049Q', '26463774']);

    // A lost LX: the claim's lines cannot be told apart, and the transaction's SE count is off.
    const lostLine = example1.replace('LX*2~\n', '');
    const sv1 = rawSegments(lostLine).findIndex((s) => s.startsWith('SV1*HC:87070')) + 1;
    const se = rawSegments(lostLine).findIndex((s) => s.startsWith('SE*')) + 1;
    const dropped = await convert(lostLine, 'lost-line.837');
    assert.deepEqual(dropped.result.errors, [
      {
        position: `segment ${sv1}`,
        segment: 'SV1',
        reason: 'a second service segment in the service line starting at segment 30',
      },
      {
        position: `segment ${se}`,
        segment: 'SE',
        reason: 'SE01 says 40; the transaction set from segment 3 has 39 segments',
      },
    ]);
    assert.deepEqual([dropped.result.claims, dropped.result.lines], [0, 0]);
  });

  it('keeps the claims before a cut-off and reports the claim the file ends in', async () => {
    const two = await readFile(sample(`${L4H}3A3_two-claims-single-provider.837i`), 'utf8');
    const cut = two.slice(0, two.indexOf('HI*BK:30000'));
    const clm = rawSegments(cut).findIndex((s) => s.startsWith('CLM*756049Q')) + 1;
    const last = rawSegments(cut).length;
    const { result, lines } = await convert(cut, 'cut.837');
    assert.deepEqual(result.errors, [
      { position: `segment ${clm}`, segment: 'CLM', reason: 'the file ends inside this claim (no SE)' },
      { position: `segment ${last}`, reason: 'the file ends inside a transaction set (no SE)' },
    ]);
    assert.deepEqual([...new Set(lines.map((l) => l.claim_id))], ['756048Q']);
  });

  it('reads an 834 enrollment into eligibility spans, one per member coverage, for the eligibility job only', async () => {
    const fixture = fileURLToPath(
      new URL('../../../test/fixtures/x12/834_005010X220A1_enrollment.834', import.meta.url),
    );
    const text = await readFile(fixture, 'utf8');
    const count = (id: string): number => text.match(new RegExp(`(?:^|~)\\s*${id}\\*`, 'g'))?.length ?? 0;
    assert.deepEqual([count('INS'), count('HD')], [3, 4], 'three members, four coverages');
    const medical = await convertFile(fixture);
    assert.deepEqual(medical.result, { claims: 0, lines: 0, errors: [], otherTables: { eligibility: 3 } });
    const { result, lines } = await convertToLines((i, o) => convertX12(i, o, 'eligibility'), fixture, dir);
    assert.deepEqual(result, { claims: 3, lines: 4, errors: [], otherTables: {} });
    assert.deepEqual(
      lines.map((l) => [l.subscriber_relation, l.plan, l.enrollment_start_date, l.enrollment_end_date, l.gender]),
      [
        ['self', 'PPO GOLD', '2024-01-01', '2024-12-31', 'male'],
        ['self', 'PPO SILVER', '2025-01-01', '2025-12-31', 'male'],
        ['spouse', 'PPO GOLD', '2024-01-01', '2024-12-31', 'female'],
        ['child', 'PPO GOLD', '2024-03-01', null, 'male'],
      ],
    );
    assert.equal(lines[0]?.person_id, 'SUB0001');
    assert.match(
      lines[2]?.person_id ?? '',
      /^SUB0001-[0-9a-f]{12}$/,
      "a dependent's id is the subscriber's and a digest",
    );
    assert.deepEqual(
      [lines[0]?.payer, lines[0]?.group_id, lines[0]?.group_name, lines[0]?.birth_date],
      ['SAMPLE HEALTH PLAN', 'GRP0001', 'ACME MANUFACTURING', '1980-02-15'],
    );
  });

  it('rejects a file that is not X12 as unreadable', async () => {
    await assert.rejects(
      convert('claim_id,claim_line_number\nA1,1\n', 'not-x12.837'),
      (e: unknown) => e instanceof ClaimFileError && e.code === 'unreadable_file' && /not X12/.test(e.reason),
    );
  });

  it('rejects with the write error when the output cannot be written', async () => {
    await assert.rejects(convertX12(sample('uhin/837.edi'), join(dir, 'no-such-folder', 'out.ndjson')), {
      code: 'ENOENT',
    });
  });

  it('writes NDJSON the pipeline ingest reads, every required column among its keys', async () => {
    const output = join(dir, 'for-duckdb.ndjson');
    await convertX12(sample(`${L4H}2A2_demo.example1.837`), output);
    const engine = await DuckDbEngine.open({ path: ':memory:' });
    try {
      const rows = await engine.query(
        `SELECT DISTINCT UNNEST(json_keys(json)) AS key FROM read_json_objects('${output}', format = 'newline_delimited')`,
      );
      const keys = rows.map((r) => String(r.key));
      for (const column of REQUIRED_COLUMNS) assert.ok(keys.includes(column), column);
    } finally {
      engine.close();
    }
  });
});
