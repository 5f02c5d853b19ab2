import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { REQUIRED_COLUMNS } from '../../domain/canonical-model.ts';
import type { CanonicalLine } from './conversion-result.ts';

/** Buffered text handed to the file at a time: large enough to make writes cheap, small enough to bound memory. */
const FLUSH_CHARS = 1 << 20;
/** Characters JSON strings cannot hold as they are (quote, backslash, controls, lone surrogates). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what must be escaped.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * Writes claims as NDJSON, one record per claim line. Callers add claims synchronously and
 * await `flush()` between input chunks, so memory holds at most about one chunk of output.
 */
export class NdjsonLineWriter {
  private readonly out: Writable;
  private buffer: string[] = [];
  private buffered = 0;
  /** A write error (disk full, missing folder) is kept and thrown from the next flush or close. */
  private failure: Error | null = null;

  /** A file (a path), or a stream such as an upload's body. */
  constructor(target: string | Writable) {
    this.out = typeof target === 'string' ? createWriteStream(target) : target;
    this.out.on('error', (error) => {
      this.failure ??= error;
    });
  }

  addClaim(
    claim: CanonicalLine,
    lines: readonly CanonicalLine[],
    required: readonly string[] = REQUIRED_COLUMNS,
  ): void {
    this.addText(claimLinesNdjson(claim, lines, required));
  }

  /** Adds already serialised NDJSON text (complete lines). */
  addText(text: string): void {
    this.buffer.push(text);
    this.buffered += text.length;
  }

  /** Hands the buffer to the file once it is large, waiting while the file is behind. */
  async flush(force = false): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.buffered === 0 || (!force && this.buffered < FLUSH_CHARS)) return;
    const text = this.buffer.join('');
    this.buffer = [];
    this.buffered = 0;
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  async close(): Promise<void> {
    await this.flush(true);
    this.out.end();
    if (!this.out.writableFinished) await once(this.out, 'finish');
    if (this.failure) throw this.failure;
  }

  /** Closes the file after a failure without waiting on more writes. */
  destroy(): void {
    this.out.destroy();
  }
}

/**
 * NDJSON text of a claim's lines: each record is the claim's fields with the line's fields over
 * them. Only columns with a value are written, except the required ones, which every record
 * carries (null when absent; medical_claim's unless the table's are given) so that a file's key set always names them. The claim's part is
 * serialised once, not once per line.
 */
export function claimLinesNdjson(
  claim: CanonicalLine,
  lines: readonly CanonicalLine[],
  requiredColumns: readonly string[] = REQUIRED_COLUMNS,
): string {
  const required = new Set(requiredColumns);
  const lineColumns = new Set<string>();
  for (const line of lines) for (const column in line) lineColumns.add(column);
  for (const column of required) if (!(column in claim)) lineColumns.add(column);
  let claimPart = '';
  for (const column in claim) {
    const value = claim[column] ?? null;
    if (!lineColumns.has(column) && (value !== null || required.has(column))) claimPart += field(column, value);
  }
  let text = '';
  for (const line of lines) {
    let record = `{${claimPart}`;
    for (const column of lineColumns) {
      const value = line[column] ?? claim[column] ?? null;
      if (value !== null || required.has(column)) record += field(column, value);
    }
    text += `${record.slice(0, -1)}}\n`;
  }
  return text;
}

/** `"column":value,` (column names are plain identifiers; values are escaped only when they need it). */
function field(column: string, value: string | null): string {
  if (value === null) return `"${column}":null,`;
  return NEEDS_ESCAPE.test(value) ? `"${column}":${JSON.stringify(value)},` : `"${column}":"${value}",`;
}
