import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { PREFIXES } from '../../src/domain/store-layout.ts';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import { CLEAN_CLAIM_LINE } from '../support/clean-claim-line.ts';
import { lit, sql, tempDir } from '../support/cli.ts';
import { publishedLines, runInProcess } from '../support/profile-run.ts';

/** The clean line's columns and two optional text columns. */
const COLUMNS = [...Object.keys(CLEAN_CLAIM_LINE), 'member_id', 'payer'];

/** A CSV of clean lines, each with the values given; every field quoted, so tabs and commas stay data. */
function csvOf(lines: ReadonlyArray<Record<string, string>>): string {
  const quote = (value: string): string => `"${value.replaceAll('"', '""')}"`;
  const rows = lines.map((line) => COLUMNS.map((c) => quote({ ...CLEAN_CLAIM_LINE, ...line }[c] ?? '')).join(','));
  return `${[COLUMNS.join(','), ...rows].join('\n')}\n`;
}

/** One claim per case, named by `id`, with `values` planted in an otherwise clean line. */
const caseLine = (id: string, values: Record<string, string>): Record<string, string> => ({ claim_id: id, ...values });

/** A root's quarantined rows (none when it has no quarantine file), read back through a second reader. */
async function quarantinedRows(root: string, columns: string, orderBy: string): Promise<Record<string, unknown>[]> {
  const pattern = lit(join(root, PREFIXES.quarantineRows, '*.parquet'));
  const [files] = await sql(`SELECT COUNT(*) AS n FROM glob(${pattern})`);
  if (Number(files?.n) === 0) return [];
  return sql(`SELECT ${columns} FROM read_parquet(${pattern}) ORDER BY ${orderBy}`);
}

const LINE_NUMBERS = [
  // One claim, three lines: 1.5 once became 2, and the real line 2 was then dropped as its duplicate.
  caseLine('L', { claim_line_number: '1', paid_amount: '1.00' }),
  caseLine('L', { claim_line_number: '2', paid_amount: '2.00' }),
  caseLine('L', { claim_line_number: '1.5', paid_amount: '1.50' }),
  caseLine('L-hex', { claim_line_number: '0x10' }),
  caseLine('L-exp', { claim_line_number: '1e1' }),
  caseLine('L-comma', { claim_line_number: '1,000' }),
  caseLine('L-plus', { claim_line_number: '+3' }),
  caseLine('L-zeros', { claim_line_number: '007' }),
];

const AMOUNTS = [
  caseLine('A-comma', { paid_amount: '1234,50' }),
  caseLine('A-european', { paid_amount: '1.234,56' }),
  caseLine('A-three-places', { paid_amount: '12.005' }),
  caseLine('A-underscore', { paid_amount: '1_000' }),
  caseLine('A-exponent', { paid_amount: '1e3' }),
  caseLine('A-bad-groups', { paid_amount: '12,34.00' }),
  caseLine('A-grouped', { paid_amount: '1,234.50' }),
  caseLine('A-dollar', { paid_amount: '$12.50' }),
  caseLine('A-trailing-zeros', { paid_amount: '12.5000' }),
  caseLine('A-no-integer-part', { paid_amount: '.5' }),
  caseLine('A-negative', { paid_amount: '-3.1' }),
];

const MISSING = [
  caseLine('P-tab', { person_id: '\t' }),
  caseLine('P-zero-width', { person_id: '\u200B' }),
  caseLine('P-nbsp-bom', { person_id: '\u00A0\uFEFF' }),
  caseLine('P-NULL', { person_id: 'NULL' }),
  caseLine('P-null', { person_id: 'null' }),
  caseLine('P-N/A', { person_id: 'N/A' }),
  caseLine('P-backslash-N', { person_id: '\\N' }),
  // Present, with invisible characters around it; optional columns that only look filled.
  caseLine('P-padded', { person_id: '\u00A0P9\u200B\t', member_id: 'N/A', payer: '\u200B' }),
];

const DATES = [
  caseLine('D-feb-30', { claim_start_date: '2025-02-30', claim_end_date: '2025-02-30' }),
  caseLine('D-compact-feb-30', { claim_start_date: '20250230', claim_end_date: '20250230' }),
  caseLine('D-seven-digits', { claim_start_date: '2025115', claim_end_date: '2025115' }),
  caseLine('D-short-year', { claim_start_date: '3/10/25', claim_end_date: '3/10/25' }),
  caseLine('D-signed-year', { claim_start_date: '-025-03-10', claim_end_date: '-025-03-10' }),
  caseLine('D-us', { claim_start_date: '3/10/2025', claim_end_date: '03/10/2025' }),
  caseLine('D-month-name', { claim_start_date: '10-Mar-2025', claim_end_date: '10-mar-2025' }),
  caseLine('D-compact', { claim_start_date: '20250310', claim_end_date: '20250310' }),
];

/** Every case above, one line each, in one file. */
const CASES = [...LINE_NUMBERS, ...AMOUNTS, ...MISSING, ...DATES];

interface Row {
  readonly claim_id: string;
  readonly claim_line_number: string | null;
  readonly person_id: string | null;
  readonly member_id: string | null;
  readonly payer: string | null;
  readonly paid_amount: string | null;
  readonly claim_start_date: string | null;
  readonly errors: string[];
}

/**
 * Issue 18, finding 5: a value that does not parse exactly as its type is quarantined with its rule,
 * never rounded or reinterpreted, and text that only looks present counts as missing.
 */
describe('value notations: nothing rewritten without a word', () => {
  let report: ValidationReport | null | undefined;
  let published: Row[];
  let quarantined: Row[];
  const publishedOf = (id: string): Row[] => published.filter((r) => r.claim_id === id);
  const quarantinedOf = (id: string): Row[] => quarantined.filter((r) => r.claim_id === id);

  before(async () => {
    const dir = await tempDir('value-notations');
    const file = join(dir, 'values.csv');
    await writeFile(file, csvOf(CASES));
    const { root, summary } = await runInProcess([file], { errorThreshold: 1 });
    report = summary.files[0]?.report;
    const columns = ['claim_id', 'claim_line_number', 'person_id', 'member_id', 'payer', 'paid_amount']
      .map((c) => `CAST(${c} AS VARCHAR) AS ${c}`)
      .join(', ');
    published = (await publishedLines(
      root,
      'values.csv',
      `${columns}, CAST(claim_start_date AS VARCHAR) AS claim_start_date, dq_warnings AS errors`,
    )) as unknown as Row[];
    // Quarantined rows keep the source text.
    quarantined = (await quarantinedRows(
      root,
      `${columns}, claim_start_date, dq_errors AS errors`,
      'source_row_number',
    )) as unknown as Row[];
  });

  it('accounts for every line: none is lost as the duplicate of a rewritten one', () => {
    assert.equal(report?.summary.total_records, CASES.length);
    assert.equal(published.length + quarantined.length, CASES.length);
  });

  it('quarantines claim_line_number 1.5, 0x10, 1e1 and 1,000 as invalid_claim_line_number, and publishes the real line 2', () => {
    assert.deepEqual(
      publishedOf('L').map((r) => [r.claim_line_number, r.paid_amount]),
      [
        ['1', '1.00'],
        ['2', '2.00'],
      ],
    );
    assert.ok(!report?.rules.some((r) => r.rule_id === 'conflicting_duplicate_key' && r.row_count > 0));
    for (const [id, text] of [
      ['L', '1.5'],
      ['L-hex', '0x10'],
      ['L-exp', '1e1'],
      ['L-comma', '1,000'],
    ] as const) {
      const rows = quarantinedOf(id);
      assert.deepEqual(
        rows.map((r) => [r.claim_line_number, r.errors]),
        [[text, ['invalid_claim_line_number']]],
        id,
      );
    }
    // An optional sign and leading zeros are still the same whole number.
    assert.deepEqual(
      [...publishedOf('L-plus'), ...publishedOf('L-zeros')].map((r) => r.claim_line_number),
      ['3', '7'],
    );
  });

  it('quarantines paid_amount 1234,50, 1.234,56, 12.005, 1_000, 1e3 and 12,34.00 as invalid_amount, and publishes the documented notation exactly', () => {
    for (const [id, text] of [
      ['A-comma', '1234,50'],
      ['A-european', '1.234,56'],
      ['A-three-places', '12.005'],
      ['A-underscore', '1_000'],
      ['A-exponent', '1e3'],
      ['A-bad-groups', '12,34.00'],
    ] as const) {
      assert.deepEqual(
        quarantinedOf(id).map((r) => [r.paid_amount, r.errors]),
        [[text, ['invalid_amount']]],
        id,
      );
      assert.deepEqual(publishedOf(id), [], `${id} is not published`);
    }
    const amounts = Object.fromEntries(
      ['A-grouped', 'A-dollar', 'A-trailing-zeros', 'A-no-integer-part', 'A-negative'].map((id) => [
        id,
        publishedOf(id).map((r) => r.paid_amount),
      ]),
    );
    assert.deepEqual(amounts, {
      'A-grouped': ['1234.50'],
      'A-dollar': ['12.50'],
      'A-trailing-zeros': ['12.50'],
      'A-no-integer-part': ['0.50'],
      'A-negative': ['-3.10'],
    });
  });

  it('counts a person_id of a tab, zero-width or no-break spaces, NULL, null, N/A or \\N as missing: quarantined, none published as a member', () => {
    const missing = MISSING.slice(0, -1) as Array<{ claim_id: string }>;
    assert.equal(report?.rules.find((r) => r.rule_id === 'required_field_missing')?.row_count, missing.length);
    for (const { claim_id: id } of missing) {
      assert.deepEqual(
        quarantinedOf(id).map((r) => r.errors),
        [['required_field_missing']],
        id,
      );
      assert.deepEqual(publishedOf(id), [], `${id} is not published`);
    }
    // Invisible characters around a value are trimmed; optional columns that only look filled are NULL.
    assert.deepEqual(
      publishedOf('P-padded').map((r) => [r.person_id, r.member_id, r.payer]),
      [['P9', null, null]],
    );
  });

  it('quarantines 2025-02-30, 20250230, 2025115, 3/10/25 and -025-03-10 as invalid_date_format, and reads the documented formats', () => {
    for (const id of ['D-feb-30', 'D-compact-feb-30', 'D-seven-digits', 'D-short-year', 'D-signed-year']) {
      assert.deepEqual(
        quarantinedOf(id).map((r) => r.errors),
        [['invalid_date_format']],
        id,
      );
    }
    assert.deepEqual(
      ['D-us', 'D-month-name', 'D-compact'].map((id) => publishedOf(id).map((r) => r.claim_start_date)),
      [['2025-03-10'], ['2025-03-10'], ['2025-03-10']],
    );
  });
});

/** The standard layout, with paid_amount and service_unit_quantity written with a decimal comma. */
const DECIMAL_COMMA_PROFILE = `
name: decimal-comma
layouts:
  - id: lines
    role: claims
    detect:
      headers: [claim_id, claim_line_number, paid_amount]
    match_by_name: true
    columns:
      paid_amount: { column: paid_amount, number_format: decimal_comma }
      service_unit_quantity: { column: service_unit_quantity, number_format: decimal_comma }
`;

describe('a decimal comma, opted into per column by a profile', () => {
  it('reads 1.234,56, 1234,5 and 1.234 as amounts, 1,5 as units, and quarantines 12.50, 1,234.56, 12,005 and $12,50', async () => {
    const dir = await tempDir('decimal-comma');
    const file = join(dir, 'euro.csv');
    const profile = join(dir, 'decimal-comma.yaml');
    await writeFile(profile, DECIMAL_COMMA_PROFILE);
    await writeFile(
      file,
      csvOf([
        caseLine('E-grouped', { paid_amount: '1.234,56' }),
        caseLine('E-plain', { paid_amount: '1234,5' }),
        caseLine('E-thousands', { paid_amount: '1.234', service_unit_quantity: '1,5' }),
        caseLine('E-point', { paid_amount: '12.50' }),
        caseLine('E-mixed', { paid_amount: '1,234.56' }),
        caseLine('E-three-places', { paid_amount: '12,005' }),
        caseLine('E-dollar', { paid_amount: '$12,50' }),
      ]),
    );
    const { root } = await runInProcess([file], { profile, errorThreshold: 1 });
    const published = await publishedLines(
      root,
      'euro.csv',
      'claim_id, CAST(paid_amount AS VARCHAR) AS paid, CAST(service_unit_quantity AS VARCHAR) AS units',
      'claim_id',
    );
    assert.deepEqual(
      published.map((r) => [r.claim_id, r.paid, r.units]),
      [
        ['E-grouped', '1234.56', '1.000'],
        ['E-plain', '1234.50', '1.000'],
        ['E-thousands', '1234.00', '1.500'],
      ],
    );
    const quarantined = await quarantinedRows(root, 'claim_id, paid_amount, dq_errors', 'claim_id');
    assert.deepEqual(
      quarantined.map((r) => [r.claim_id, r.paid_amount, r.dq_errors]),
      [
        ['E-dollar', '$12,50', ['invalid_amount']],
        ['E-mixed', '1,234.56', ['invalid_amount']],
        ['E-point', '12.50', ['invalid_amount']],
        ['E-three-places', '12,005', ['invalid_amount']],
      ],
    );
  });
});

/** The standard layout, with the claim dates written day first. */
const DAY_FIRST_PROFILE = `
name: day-first
layouts:
  - id: lines
    role: claims
    detect:
      headers: [claim_id, claim_line_number, claim_start_date]
    match_by_name: true
    columns:
      claim_start_date: { column: claim_start_date, date_format: DD/MM/YYYY }
      claim_end_date: { column: claim_end_date, date_format: DD/MM/YYYY }
`;

describe('a day-first date layout declared by a profile', () => {
  it('reads 3/10/2025 as 3 October, never month first, and quarantines 31/2/2025', async () => {
    const dir = await tempDir('day-first');
    const file = join(dir, 'day-first.csv');
    const profile = join(dir, 'day-first.yaml');
    await writeFile(profile, DAY_FIRST_PROFILE);
    const dates = (text: string) => ({ claim_start_date: text, claim_end_date: text });
    await writeFile(
      file,
      csvOf([
        caseLine('F-unpadded', dates('3/10/2025')),
        caseLine('F-padded', dates('03/10/2025')),
        caseLine('F-tab', dates('\t3/9/2025')),
        caseLine('F-feb-31', dates('31/2/2025')),
      ]),
    );
    const { root } = await runInProcess([file], { profile, errorThreshold: 1 });
    const published = await publishedLines(
      root,
      'day-first.csv',
      'claim_id, CAST(claim_start_date AS VARCHAR) AS start_date',
      'claim_id',
    );
    assert.deepEqual(
      published.map((r) => [r.claim_id, r.start_date]),
      [
        ['F-padded', '2025-10-03'],
        ['F-tab', '2025-09-03'],
        ['F-unpadded', '2025-10-03'],
      ],
    );
    const quarantined = await quarantinedRows(root, 'claim_id, dq_errors', 'claim_id');
    assert.deepEqual(
      quarantined.map((r) => [r.claim_id, r.dq_errors]),
      [['F-feb-31', ['invalid_date_format']]],
    );
  });
});
