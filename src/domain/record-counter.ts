/**
 * Counts a text file's records from its bytes, independently of the engine that parses them, so
 * a reader that splits records wrongly (a stray quote that swallows the rest of a file) is caught
 * by a disagreement instead of trusted. CSV quoting follows RFC 4180: a quote opens a quoted field
 * only at the start of a field, `""` inside it is a literal quote, and a newline inside it belongs
 * to the record. CSV lines end with LF (a CR before it is part of the line end), or with CR in a
 * file whose first line ends with a lone CR (classic Mac), as DuckDB's reader detects; NDJSON lines
 * end with LF, CRLF or a lone CR, as its line reader does.
 */
export type RecordSyntax =
  | { readonly kind: 'csv'; readonly delimiter: string; readonly lineEnd?: 'lf' | 'cr' }
  | { readonly kind: 'lines' };

/** How a CSV's lines end, told from its head as DuckDB's reader tells it: by the first line break. */
export function lineEndOf(head: Uint8Array): 'lf' | 'cr' {
  const cr = head.indexOf(CR);
  const lf = head.indexOf(LF);
  return cr !== -1 && (lf === -1 || (cr < lf && head[cr + 1] !== LF)) ? 'cr' : 'lf';
}

export interface RecordCount {
  /** Records that hold something: blank and whitespace-only records are not counted. */
  readonly records: number;
  /**
   * The positions (1-based, counting every record, the header and blank ones included, as DuckDB
   * numbers its rejected lines) of the blank or whitespace-only records.
   */
  readonly blankPositions: readonly number[];
  /** Physical lines (newline-ended, plus a last one without a newline). */
  readonly lines: number;
  /** The line where a quoted field opened that the file never closes, if one does and spans lines. */
  readonly unterminatedQuoteLine: number | null;
  /**
   * The records that span several lines (a quoted newline), up to `MAX_SPANNING`: if the reader
   * cannot read one of them, every line in it is lost, not one record.
   */
  readonly spanning: readonly SpanningRecord[];
}

/** A record that spans lines: its position (numbered as `blankPositions`), first line and line count. */
export interface SpanningRecord {
  readonly position: number;
  readonly line: number;
  readonly lines: number;
}

/** Spanning records kept, at most: files with many are rare, and the check needs only the ones that fail. */
export const MAX_SPANNING = 100_000;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const SPACE = 0x20;
const TAB = 0x09;

enum Field {
  /** Outside quotes (or at the start of a field). */
  Plain,
  /** Inside a quoted field. */
  Quoted,
  /** Just after a quote inside a quoted field: the field's end, or the first half of `""`. */
  QuoteSeen,
}

export class RecordCounter {
  private records = 0;
  private readonly blanks: number[] = [];
  private position = 0;
  private line = 1;
  private field = Field.Plain;
  private fieldStart = true;
  /** The record so far holds a byte other than space, tab or CR. */
  private content = false;
  private recordLine = 1;
  private quoteLine = 1;
  private quotedNewline = false;
  private readonly spanning: SpanningRecord[] = [];
  private lastByte = -1;
  /** Bytes were read since the last record ended. */
  private pending = false;
  private readonly delimiter: number;
  /** The byte that ends a CSV line. */
  private readonly eol: number;

  constructor(private readonly syntax: RecordSyntax) {
    this.delimiter = syntax.kind === 'csv' ? (Buffer.from(syntax.delimiter)[0] ?? -1) : -1;
    this.eol = syntax.kind === 'csv' && syntax.lineEnd === 'cr' ? CR : LF;
  }

  push(chunk: Uint8Array): void {
    if (this.syntax.kind === 'lines') this.pushLines(chunk);
    else this.pushCsv(chunk);
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1] ?? -1;
  }

  end(): RecordCount {
    const open = this.field === Field.Quoted && this.quotedNewline;
    const endsLine = this.lastByte === (this.syntax.kind === 'csv' ? this.eol : LF);
    const lines = this.lastByte === -1 ? 0 : this.line - (endsLine ? 1 : 0);
    if (this.pending) this.endRecord(endsLine);
    return {
      records: this.records,
      blankPositions: this.blanks,
      lines,
      unterminatedQuoteLine: open ? this.quoteLine : null,
      spanning: this.spanning,
    };
  }

  /** Ends the record being read; `atNewline` when a line end closed it (the line count has moved past it). */
  private endRecord(atNewline: boolean): void {
    this.pending = false;
    this.position++;
    const lines = (atNewline ? this.line - 1 : this.line) - this.recordLine + 1;
    if (lines > 1 && this.spanning.length < MAX_SPANNING) {
      this.spanning.push({ position: this.position, line: this.recordLine, lines });
    }
    if (this.content) this.records++;
    else this.blanks.push(this.position);
    this.content = false;
    this.fieldStart = true;
    this.field = Field.Plain;
    this.recordLine = this.line;
  }

  /** NDJSON: every LF, CRLF or lone CR ends a line; no quoting. */
  private pushLines(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (b === LF) {
        if (this.lastByte !== CR) this.newLine();
      } else if (b === CR) {
        this.newLine();
      } else {
        this.pending = true;
        if (b !== SPACE && b !== TAB) this.content = true;
      }
      this.lastByte = b;
    }
  }

  private newLine(): void {
    this.line++;
    this.endRecord(true);
  }

  /**
   * The state machine, jumping from quote to line end with `indexOf` (memchr) instead of visiting
   * every byte: only quotes, line ends and the byte before a quote decide anything.
   */
  private pushCsv(chunk: Uint8Array): void {
    let i = 0;
    let nextQuote = -2;
    while (i < chunk.length) {
      if (this.field === Field.Quoted) {
        const q = chunk.indexOf(QUOTE, i);
        const end = q === -1 ? chunk.length : q;
        for (let lf = chunk.indexOf(this.eol, i); lf !== -1 && lf < end; lf = chunk.indexOf(this.eol, lf + 1)) {
          this.quotedLineBreak();
        }
        if (q === -1) return;
        this.field = Field.QuoteSeen;
        i = q + 1;
        continue;
      }
      if (this.field === Field.QuoteSeen) {
        const b = chunk[i];
        if (b === QUOTE) {
          this.field = Field.Quoted;
          i++;
          continue;
        }
        // Text after a closing quote is malformed; the reader keeps it in the record, as here.
        this.field = Field.Plain;
        this.fieldStart = false;
        if (b === CR && this.eol !== CR) {
          i++;
          continue;
        }
      }
      if (nextQuote < i && nextQuote !== -1) nextQuote = chunk.indexOf(QUOTE, i);
      const lf = chunk.indexOf(this.eol, i);
      if (nextQuote !== -1 && (lf === -1 || nextQuote < lf)) {
        this.openQuoteAt(chunk, i, nextQuote);
        i = nextQuote + 1;
        continue;
      }
      const end = lf === -1 ? chunk.length : lf;
      if (end > i) {
        this.pending = true;
        this.content ||= holdsContent(chunk, i, end);
        this.fieldStart = chunk[end - 1] === this.delimiter;
      }
      if (lf === -1) return;
      this.line++;
      this.endRecord(true);
      i = lf + 1;
    }
  }

  /** A quote at `q` in a plain field: it opens a quoted field only at the start of a field. */
  private openQuoteAt(chunk: Uint8Array, from: number, q: number): void {
    this.pending = true;
    this.content = true;
    const atStart = q === from ? this.fieldStart : chunk[q - 1] === this.delimiter;
    if (!atStart) {
      this.fieldStart = false;
      return;
    }
    this.field = Field.Quoted;
    this.quoteLine = this.line;
    this.quotedNewline = false;
  }

  private quotedLineBreak(): void {
    this.line++;
    this.quotedNewline = true;
  }
}

function holdsContent(chunk: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const b = chunk[i];
    if (b !== SPACE && b !== TAB && b !== CR) return true;
  }
  return false;
}

/** Counts the records of an in-memory text (tests and small files). */
export function countRecords(bytes: Uint8Array, syntax: RecordSyntax): RecordCount {
  const counter = new RecordCounter(syntax);
  counter.push(bytes);
  return counter.end();
}
