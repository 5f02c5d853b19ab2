import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { ClaimGenerator, type ClaimRow, GENERATED_COLUMNS, type GeneratorOptions } from '../domain/synthetic-claims.ts';

export type OutputFormat = 'csv' | 'ndjson' | 'json';

export interface GeneratedFile {
  readonly path: string;
  readonly expectedPath: string;
  readonly rows: number;
  readonly defects: number;
}

const AMOUNT = /_amount$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function jsonRecord(row: ClaimRow): string {
  const record: Record<string, string | number | null> = {};
  for (const c of GENERATED_COLUMNS) {
    const v = row[c];
    // Feeds send amounts as JSON numbers and blanks as null; malformed values stay strings.
    record[c] = v === '' ? null : AMOUNT.test(c) && NUMBER.test(v) ? Number(v) : v;
  }
  return JSON.stringify(record);
}

/** Writes `rows` synthetic lines and `<path>.expected` (CSV), the planted defects by row number. */
export async function writeClaimsFile(
  path: string,
  rows: number,
  format: OutputFormat,
  options: GeneratorOptions,
): Promise<GeneratedFile> {
  const generator = new ClaimGenerator(options);
  const out = createWriteStream(path);
  const expectedPath = `${path}.expected`;
  const expected = createWriteStream(expectedPath);
  const write = async (stream: NodeJS.WritableStream, text: string): Promise<void> => {
    if (!stream.write(text)) await once(stream, 'drain');
  };
  await write(expected, 'source_row_number,kind,expected_rule,outcome\n');
  if (format === 'csv') await write(out, `${GENERATED_COLUMNS.join(',')}\n`);
  if (format === 'json') await write(out, '[\n');
  let defects = 0;
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const { row, defect } = generator.next();
    const separator = format === 'json' && i < rows - 1 ? ',' : '';
    chunk += `${format === 'csv' ? GENERATED_COLUMNS.map((c) => csvField(row[c])).join(',') : jsonRecord(row)}${separator}\n`;
    if (defect) {
      defects++;
      await write(expected, `${defect.row},${defect.kind},${defect.rule},${defect.outcome}\n`);
    }
    if (chunk.length > 1 << 20) {
      await write(out, chunk);
      chunk = '';
    }
  }
  if (format === 'json') chunk += ']\n';
  await write(out, chunk);
  out.end();
  expected.end();
  await Promise.all([once(out, 'finish'), once(expected, 'finish')]);
  return { path, expectedPath, rows, defects };
}
