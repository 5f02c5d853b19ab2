import { HEAD_BYTES } from './detect-format.ts';

/**
 * Reading a file costs memory by the column: the engine's reader and writer hold a buffer per
 * column for every batch of rows, so a file 10,000 columns wide needs gigabytes however few rows
 * it has (docs/BENCHMARKS.md, "Wide files"). `limits.max_columns` bounds it; a file past the
 * bound is rejected whole (column_limit_exceeded) before the engine reads a row of it.
 */
export function columnLimitReason(columns: number, maxColumns: number, what: 'header' | 'records'): string | null {
  if (columns <= maxColumns) return null;
  if (what === 'header') {
    return `the header has ${columns} columns, more than limits.max_columns (${maxColumns}); its rows were not read`;
  }
  return `the records hold ${columns} distinct keys, more than limits.max_columns (${maxColumns}); they were not split into columns`;
}

/**
 * A CSV header line that does not end within the head the format is decided from: its columns
 * cannot all be known, so it is wider than can be read (reading it as cut would take the rest
 * of the line as one record of a thousand fields too many).
 */
export function headerCutReason(head: Buffer): string | null {
  if (head.length < HEAD_BYTES || head.includes(0x0a) || head.includes(0x0d)) return null;
  return `the header line does not end within the first ${HEAD_BYTES} bytes of the file; its rows were not read`;
}
