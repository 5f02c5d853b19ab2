import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { CanonicalLine, ConversionResult } from '../../src/adapters/records/conversion-result.ts';

/** Runs a record converter on `input` into `dir` and reads its NDJSON back as lines. */
export async function convertToLines(
  convert: (input: string, output: string) => Promise<ConversionResult>,
  input: string,
  dir: string,
): Promise<{ result: ConversionResult; lines: CanonicalLine[] }> {
  const output = join(dir, `${basename(input)}.ndjson`);
  const result = await convert(input, output);
  const text = await readFile(output, 'utf8');
  return {
    result,
    lines: text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as CanonicalLine),
  };
}
