/** A complete JSON value cut out of the stream, still as text. */
export type ScannedValue =
  /** An element of a top-level object's `entry` array (a Bundle entry); `index` is 1-based. */
  | { readonly kind: 'entry'; readonly index: number; readonly line: number; readonly text: string }
  /** A whole top-level value that has no `entry` array (an NDJSON record, a single resource). */
  | { readonly kind: 'document'; readonly line: number; readonly text: string };

export interface JsonScanError {
  readonly line: number;
  readonly reason: string;
  /** The scanner could not find where the next value starts: the rest of the input is not read. */
  readonly fatal: boolean;
}

export interface JsonScanSink {
  value(value: ScannedValue): void;
  /** A top-level value has ended (entries streamed from it come before this). */
  documentEnd(): void;
  error(error: JsonScanError): void;
}

/** One value held as text at a time; a larger one means the input is not what it claims to be. */
const MAX_VALUE_CHARS = 256 * 1024 * 1024;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const NEWLINE = 0x0a;

/**
 * Finds JSON values in text given in chunks, without building them: a top-level object's
 * `entry` array (a FHIR Bundle's) is cut into its elements one at a time, so a Bundle of any size
 * needs memory for one entry only; any other top-level value (an NDJSON line, a single resource)
 * is cut out whole. The scanner follows strings and brackets only; each value's text is parsed
 * by the caller. A broken NDJSON record (one that started on the line where the error is) is
 * skipped up to the next line; a broken multi-line document stops the scan.
 */
export class JsonValueScanner {
  /** Open brackets, innermost last. */
  private readonly stack: number[] = [];
  private inString = false;
  private escaped = false;
  private line = 1;
  private stopped = false;
  private skippingToLine = false;
  /** Key tracking inside the top-level object, to spot `"entry": [`. */
  private keyExpected = false;
  private key: string | null = null;
  private lastKey = '';
  private inEntries = false;
  private entryIndex = 0;
  /** The value being cut out: its text so far (earlier chunks) and where it starts in the current chunk. */
  private capturing: 'document' | 'entry' | null = null;
  private captured: string[] = [];
  private capturedLength = 0;
  private captureFrom = 0;
  private valueLine = 0;

  constructor(private readonly sink: JsonScanSink) {}

  push(chunk: string): void {
    if (this.stopped) return;
    this.captureFrom = 0;
    for (let i = 0; i < chunk.length && !this.stopped; i++) {
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) {
        this.line++;
        if (this.skippingToLine) {
          this.skippingToLine = false;
          continue;
        }
      }
      if (this.skippingToLine) continue;
      if (this.inString) this.scanStringChar(c);
      else this.scanStructural(chunk, i, c);
    }
    if (this.capturing && !this.stopped) this.keep(chunk.slice(this.captureFrom));
  }

  end(): void {
    if (this.stopped || this.skippingToLine) return;
    if (this.stack.length > 0 || this.inString) {
      this.sink.error({ line: this.line, reason: 'the file ends inside a JSON value', fatal: true });
    }
  }

  private scanStringChar(c: number): void {
    if (this.escaped) this.escaped = false;
    else if (c === BACKSLASH) this.escaped = true;
    else if (c === QUOTE) {
      this.inString = false;
      if (this.key !== null) {
        this.lastKey = this.key;
        this.key = null;
        this.keyExpected = false;
      }
      return;
    }
    if (this.key !== null && this.key.length < 16) this.key += String.fromCharCode(c);
  }

  private scanStructural(chunk: string, i: number, c: number): void {
    const depth = this.stack.length;
    if (depth === 0) {
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        // A top-level array (of resources) is streamed element by element, like NDJSON.
        if (c === OPEN_OBJECT) this.startCapture('document', i);
        this.inEntries = false;
        this.entryIndex = 0;
        this.keyExpected = c === OPEN_OBJECT;
        this.stack.push(c);
      } else if (!isJsonBlank(c)) this.fail('a top-level value that is not an object or array');
      return;
    }
    const topObject = this.stack[0] === OPEN_OBJECT;
    if (c === QUOTE) {
      this.inString = true;
      // Only keys of the top-level object matter (to find `entry`), and only their first characters.
      this.key = depth === 1 && topObject && this.keyExpected ? '' : null;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (depth === 1 && topObject && c === OPEN_ARRAY && this.lastKey === 'entry') {
        // A Bundle: its own text is not needed, only its entries.
        this.inEntries = true;
        this.dropCapture();
      } else if (depth === 2 && this.inEntries) {
        this.entryIndex++;
        this.startCapture('entry', i);
      } else if (depth === 1 && !topObject) {
        this.startCapture('document', i);
      }
      this.stack.push(c);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (this.stack[depth - 1] !== (c === CLOSE_OBJECT ? OPEN_OBJECT : OPEN_ARRAY)) {
        this.fail('mismatched brackets');
        return;
      }
      this.stack.pop();
      if (depth === 3 && this.capturing === 'entry') this.finishCapture(chunk, i);
      else if (depth === 2 && this.inEntries) this.inEntries = false;
      else if (depth === 2 && !topObject && this.capturing === 'document') {
        this.finishCapture(chunk, i);
        this.sink.documentEnd();
      } else if (depth === 1) {
        if (this.capturing === 'document') this.finishCapture(chunk, i);
        this.sink.documentEnd();
      }
    } else if (c === COMMA && depth === 1) this.keyExpected = topObject;
  }

  private startCapture(kind: 'document' | 'entry', i: number): void {
    this.capturing = kind;
    this.captured = [];
    this.capturedLength = 0;
    this.captureFrom = i;
    this.valueLine = this.line;
  }

  private finishCapture(chunk: string, i: number): void {
    const kind = this.capturing;
    this.keep(chunk.slice(this.captureFrom, i + 1));
    const text = this.captured.length === 1 ? (this.captured[0] as string) : this.captured.join('');
    this.dropCapture();
    if (this.stopped) return;
    if (kind === 'entry') this.sink.value({ kind, index: this.entryIndex, line: this.valueLine, text });
    else this.sink.value({ kind: 'document', line: this.valueLine, text });
  }

  private keep(text: string): void {
    this.captured.push(text);
    this.capturedLength += text.length;
    if (this.capturedLength > MAX_VALUE_CHARS) {
      this.sink.error({
        line: this.valueLine,
        reason: `a JSON value longer than ${MAX_VALUE_CHARS} characters`,
        fatal: true,
      });
      this.stopped = true;
    }
  }

  private fail(reason: string): void {
    // Outside any value, or in an NDJSON record broken on its own line: skip to the next line and go on.
    const recoverable = this.stack.length === 0 || this.valueLine === this.line;
    this.sink.error({ line: this.line, reason: `invalid JSON (${reason})`, fatal: !recoverable });
    this.stack.length = 0;
    this.inString = false;
    this.escaped = false;
    this.key = null;
    this.inEntries = false;
    this.dropCapture();
    if (recoverable) this.skippingToLine = true;
    else this.stopped = true;
  }

  private dropCapture(): void {
    this.capturing = null;
    this.captured = [];
    this.capturedLength = 0;
  }
}

function isJsonBlank(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff;
}
