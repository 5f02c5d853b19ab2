import { ClaimflowError } from '../../domain/errors.ts';

/** The separators of one interchange, read from its ISA segment. */
export interface X12Delimiters {
  readonly element: string;
  readonly component: string;
  /** ISA11 from version 00402 on; in 004010 ISA11 is the standards id `U` and there is none. */
  readonly repetition: string | null;
  readonly segment: string;
}

export interface X12Segment {
  /** 1-based ordinal of the segment in the file, across interchanges. */
  readonly position: number;
  /** `elements[0]` is the segment id, `elements[n]` element n. */
  readonly elements: readonly string[];
  readonly delimiters: X12Delimiters;
}

/** The reader cannot go on: the rest of the file is not read. */
export class X12SyntaxError extends ClaimflowError {
  readonly code = 'x12_syntax';
  constructor(
    readonly position: number,
    readonly reason: string,
  ) {
    super(`segment ${position}: ${reason}`);
  }
}

/** ISA is fixed-width (106 characters) in the standard; unpadded senders make it shorter, never much longer. */
const MAX_ISA_CHARS = 512;
/** A segment longer than this means the terminator is wrong; stop rather than buffer the file. */
const MAX_SEGMENT_CHARS = 1 << 20;
const ISA_ELEMENTS = 16;
const BLANK = /^[\s\uFEFF]+/;
const TRAILING_BLANK = /\s+$/;
const LINE_BREAKS = /[\r\n]+/g;

/**
 * Splits X12 text, given in chunks of any size, into segments. Separators are read from each
 * ISA (element: the character after `ISA`; component: ISA16; segment terminator: the character
 * after ISA16), so interchanges with different separators can follow each other. Line breaks
 * (CRLF, LF, wrapped lines) and indentation between segments are not part of the data.
 */
export class X12SegmentReader {
  private buffer = '';
  private delimiters: X12Delimiters | null = null;
  private position = 0;

  constructor(private readonly onSegment: (segment: X12Segment) => void) {}

  push(chunk: string): void {
    this.buffer = this.buffer.length === 0 ? chunk : this.buffer + chunk;
    let start = 0;
    for (;;) {
      if (this.delimiters === null) {
        const consumed = this.readIsa(start);
        if (consumed === -1) break;
        start = consumed;
        continue;
      }
      const end = this.buffer.indexOf(this.delimiters.segment, start);
      if (end === -1) break;
      // Line breaks and indentation before a segment are layout, not data.
      while (start < end && isBlank(this.buffer.charCodeAt(start))) start++;
      this.emit(this.buffer.slice(start, end), this.delimiters);
      start = end + 1;
    }
    this.buffer = start === 0 ? this.buffer : this.buffer.slice(start);
    if (this.buffer.length > MAX_SEGMENT_CHARS) {
      throw new X12SyntaxError(this.position + 1, `no segment terminator within ${MAX_SEGMENT_CHARS} characters`);
    }
  }

  /** The file has ended: a last segment without terminator (common after IEA) is still a segment. */
  end(): void {
    const rest = this.buffer.replace(BLANK, '').replace(TRAILING_BLANK, '');
    this.buffer = '';
    if (rest === '') return;
    if (this.delimiters === null) throw new X12SyntaxError(this.position + 1, 'the file ends inside an ISA segment');
    this.emit(rest, this.delimiters);
  }

  /**
   * Reads an ISA at `start` (after blanks); returns where the next segment starts, or -1 to wait
   * for more text. Line breaks inside the ISA (a file wrapped at 80 columns) are skipped; the
   * character right after ISA16 is the terminator, even a line break.
   */
  private readIsa(start: number): number {
    const text = this.buffer;
    let at = start;
    while (at < text.length && isBlank(text.charCodeAt(at))) at++;
    let isa = '';
    let element = '';
    let separators = 0;
    let componentRead = false;
    for (let i = at; i < text.length; i++) {
      const char = text.charAt(i);
      if (componentRead) return this.startInterchange(isa, char, i + 1);
      if (char === '\r' || char === '\n') continue;
      // The character after the 16th element separator is ISA16, the component separator.
      componentRead = separators === ISA_ELEMENTS;
      isa += char;
      if (isa.length <= 3 && char !== 'ISA'.charAt(isa.length - 1)) {
        throw new X12SyntaxError(this.position + 1, 'expected an ISA segment');
      }
      if (isa.length === 4) element = char;
      if (char === element && !componentRead) separators++;
      if (isa.length > MAX_ISA_CHARS) throw new X12SyntaxError(this.position + 1, 'ISA does not have 16 elements');
    }
    return -1;
  }

  private startInterchange(isa: string, terminator: string, next: number): number {
    const element = isa.charAt(3);
    const elements = isa.split(element);
    const delimiters = readDelimiters(elements, element, terminator);
    if (typeof delimiters === 'string') throw new X12SyntaxError(this.position + 1, delimiters);
    this.delimiters = delimiters;
    this.position++;
    this.onSegment({ position: this.position, elements, delimiters });
    return next;
  }

  private emit(raw: string, delimiters: X12Delimiters): void {
    // A segment wrapped over several lines is one segment.
    const text = raw.includes('\n') || raw.includes('\r') ? raw.replace(LINE_BREAKS, '') : raw;
    if (text === '') return;
    this.position++;
    const elements = text.split(delimiters.element);
    // After IEA the next interchange declares its own separators.
    if (elements[0] === 'IEA') this.delimiters = null;
    this.onSegment({ position: this.position, elements, delimiters });
  }
}

function readDelimiters(isa: string[], element: string, segment: string): X12Delimiters | string {
  const component = isa[16] ?? '';
  const isa11 = isa[11] ?? '';
  const repetition = isa11.length === 1 && !isAlphanumeric(isa11) ? isa11 : null;
  const all = [element, component, segment, ...(repetition ? [repetition] : [])];
  if (component.length !== 1 || isAlphanumeric(element) || isAlphanumeric(segment) || isAlphanumeric(component)) {
    return 'ISA separators are not single non-alphanumeric characters';
  }
  if (new Set(all).size !== all.length) return 'ISA separators are not distinct';
  return { element, component, repetition, segment };
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || code === 0xfeff;
}

function isAlphanumeric(char: string): boolean {
  return /^[A-Za-z0-9]$/.test(char);
}
