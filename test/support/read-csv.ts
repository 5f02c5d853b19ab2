import { readFile } from 'node:fs/promises';

/**
 * A sample CSV as records keyed by header name, read with a plain line split: an independent
 * reading to check the pipeline against. The samples quote header names only, never a data field.
 */
export async function readCsvRecords(path: string): Promise<Array<Record<string, string>>> {
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/).filter((line) => line.length > 0);
  const names = (lines[0] ?? '').split(',').map((name) => name.replace(/^"(.*)"$/, '$1'));
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== names.length || line.includes('"'))
      throw new Error(`${path}: record ${i + 1} is not plain CSV`);
    return Object.fromEntries(names.map((name, c) => [name, cells[c] ?? '']));
  });
}
