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

/** Every case above, one line each, in one file. */
const CASES = [...MISSING];

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
});
