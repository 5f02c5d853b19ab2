import type { InputFormat } from './detect-format.ts';

/**
 * The source column names a file's head shows: the CSV header, or for JSON the keys of the
 * records that end within the head, sorted as the DuckDB ingest lists them. A key first seen
 * after the head is not among them.
 */
export function headColumns(format: InputFormat, head: Buffer): string[] {
  if (format.kind === 'csv') return [...format.header];
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const keys = new Set<string>();
  for (const record of completeRecords(text, format.kind === 'json-array' ? 1 : 0)) {
    for (const key of Object.keys(record)) keys.add(key);
  }
  return [...keys].sort();
}

/** The JSON objects that start at nesting `depth` and end within `text` (a record cut by the head is left out). */
function completeRecords(text: string, depth: number): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = [];
  let level = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') {
      if (ch === '{' && level === depth) start = i;
      level++;
    } else if (ch === '}' || ch === ']') {
      level--;
      if (ch === '}' && level === depth && start >= 0) {
        const parsed = parseObject(text.slice(start, i + 1));
        if (parsed) records.push(parsed);
        start = -1;
      }
    }
  }
  return records;
}

/** A malformed record shows no keys; the engine keeps it as a malformed row. */
function parseObject(text: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
