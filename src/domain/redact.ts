/**
 * The one redaction layer (DESIGN.md, Privacy). Claims are PHI: what reaches logs, errors,
 * events, alerts and dead letters may name jobs, files, rows, rules and counts, never a claim
 * value. Two tools: an allow-list for structured fields, and a sanitiser for free text that
 * engines and SDKs (DuckDB, SQLite, AWS) write, which can quote the data they failed on.
 */

/** What stands in for anything that may not be shown. */
export const REDACTED = '[redacted]';

/** How a field's value must look to be kept. */
type Shape = (value: unknown) => boolean;

const isString =
  (pattern: RegExp): Shape =>
  (value) =>
    typeof value === 'string' && pattern.test(value);
const isCount: Shape = (value) => typeof value === 'number' && Number.isFinite(value) && value >= 0;
/** Job, run and dead-letter ids: `claims-etl-YYYYMMDD-HHMMSS-NNNN`, `jr_…`, `<job id>-etl`. */
const isId = isString(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/);
/** Rule ids, stages, modes, roles, profiles, severities, error classes, handler names. */
const isName = isString(/^[A-Za-z][A-Za-z0-9_./-]{0,63}$/);
/** A file's base name: no folder, no control character. */
const isFileName = isString(/^[^/\\\p{Cc}]{1,255}$/u);
/** An object key or key prefix in the store. */
const isKey = isString(/^[\w./=-]{0,1024}$/);
/** A request path of the dashboard (anything odder is a probe, and is not echoed). */
const isUrlPath = isString(/^\/[A-Za-z0-9._~/-]{0,255}$/);
const isAddress = isString(/^[0-9A-Fa-f:.]{2,45}$/);
/** Where a record converter stopped: `segment 12`, `line 3`, `entry 1`. */
const isPosition = isString(/^(segment|line|entry|byte|record|row) \d{1,12}$/);
/** Per-name counts: stage timings, an alert's counts. */
const isCounts: Shape = (value) =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.entries(value).every(([k, v]) => /^[a-z][a-z0-9_]{0,63}$/.test(k) && isCount(v));

/** Fields whose text is worded by claimflow or an engine: kept once sanitised. */
const TEXT = 'text';

/** Every field a log line may carry, with the shape its value must have. */
const FIELDS: Readonly<Record<string, Shape | typeof TEXT>> = {
  job_id: isId,
  job_run_id: isId,
  letter_id: isId,
  file: isFileName,
  input_file: isFileName,
  prefix: isKey,
  key: isKey,
  rule_id: isName,
  stage: isName,
  mode: isName,
  role: isName,
  profile: isName,
  layout: isName,
  table: isName,
  selected_by: isName,
  kind: isName,
  event: isName,
  error_type: isName,
  error_code: isName,
  function_name: isName,
  severity: isName,
  status: isName,
  source_row_number: isCount,
  first_position: isPosition,
  total_records: isCount,
  valid_records: isCount,
  error_records: isCount,
  errors: isCount,
  files: isCount,
  bytes: isCount,
  attempt: isCount,
  attempts: isCount,
  failures: isCount,
  score: isCount,
  duration_ms: isCount,
  timings_ms: isCounts,
  counts: isCounts,
  path: isUrlPath,
  remote_address: isAddress,
  channel: TEXT,
  title: TEXT,
  summary: TEXT,
  reason: TEXT,
  hint: TEXT,
  error: TEXT,
};

/**
 * Log fields through the allow-list: a field keeps its value only when its name is listed and
 * the value has the listed shape; free-text fields are sanitised. Anything else is `[redacted]`,
 * so a field passed by mistake shows that it was, without its value.
 */
export function redactFields(fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, redactField(name, value)]));
}

function redactField(name: string, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  const shape = Object.hasOwn(FIELDS, name) ? FIELDS[name] : undefined;
  if (shape === TEXT) return typeof value === 'string' ? sanitizeErrorMessage(value) : REDACTED;
  return shape?.(value) ? value : REDACTED;
}

/** The message of anything thrown, sanitised: what errors, events, dead letters and the CLI show. */
export function describeError(error: unknown): string {
  return sanitizeErrorMessage(error instanceof Error ? error.message : String(error)) || 'unknown error';
}

/** Lines kept of a multi-line engine message (its kind and position come first). */
const MAX_LINES = 3;
const MAX_LENGTH = 400;
/** From these lines on an engine repeats the statement (`LINE 1: SELECT …`), its settings or advice. */
const STOP_LINE = /^(LINE \d+:|Possible (fixes|solutions?)\b|\s{2,}\w+ = )/i;
/** Markers after which an engine echoes the input it read; the rest of the line goes. */
const ECHO_MARKER = /\b(Original Line|Input|Line contents|Raw line)\s*:.*$/i;
/** A line that only points (`^`) at the line above it, which is an echo of input. */
const CARET_LINE = /^\s*\^+\s*$/;
/** Control characters other than line breaks (a terminal would obey them). */
const CONTROL = /[^\P{Cc}\n]/gu;
/** A stand-in while sanitising, so that `[redacted]` is not taken for a JSON fragment. */
const HOLE = '\u0000';
/** Quoted text: a quote that does not sit inside a word (can't, member's) up to the same quote. */
const QUOTED = /(?<![\p{L}\p{N}])(["'`])(.*?)\1(?![\p{L}\p{N}])/gu;
const OPEN_QUOTE = /(?<![\p{L}\p{N}])["'`].*$/u;
/** SQL type and format names engines quote: kept, as they say what a value should have been. */
const TYPE_NAME =
  /^(U?(TINY|SMALL|BIG|HUGE)?INT(EGER)?(8|16|32|64|128)?|FLOAT[48]?|DOUBLE|REAL|DECIMAL(\(\d+,\s?\d+\))?|NUMERIC|VARCHAR|TEXT|DATE|TIME|TIMESTAMP( WITH TIME ZONE)?|INTERVAL|BOOLEAN|BLOB|UUID|JSON|STRUCT|LIST|MAP|UTF-?(8|16|32)|S3|X12|837[PI]?|HTTP\/\d(\.\d)?|IPv[46]|SHA-?(1|256|512)|AES-256(-GCM)?)$/;
/** Words after which a number is a position, kept however long. */
const POSITION_WORDS = new Set(['line', 'row', 'byte', 'record', 'record/value', 'offset', 'position', 'segment']);
/** Units after which a decimal is a duration, a size or a share. */
const UNITS = new Set(['s', 'ms', '%', 'kb', 'mb', 'gb', 'seconds']);
/** X12 segment and element references in converter messages: `SV1`, `CLM01`, `NM109`. */
const X12_REFERENCE = /^([A-Z]{2}\d|[A-Z]{2}[A-Z0-9]?\d{2})$/;
const FILE_NAME =
  /\.(csv|tsv|psv|txt|json|ndjson|jsonl|gz|x12|edi|837[pi]?|parquet|html|yaml|yml|sqlite|duckdb|dat|zip)$/i;

/**
 * A free-text error message with nothing that could be a claim value: quoted text, the input an
 * engine echoes (`Original Line:`, `Input:`, a line marked by `^`), the statement it repeats,
 * JSON and CSV fragments, text after `value` or `string`, dates, amounts, long numbers and
 * code-like tokens (`E119`, `J1234`, `MZ0001`). What stays is the error's kind, claimflow's own
 * wording (rule ids, file names, counts, shares, durations) and the row, line or byte position.
 * Sanitising twice gives the same text.
 */
export function sanitizeErrorMessage(text: string): string {
  const lines = keptLines(text.replace(CONTROL, ' ').replaceAll(REDACTED, HOLE));
  const sanitized = lines
    .map((line) => redactTokens(redactFragments(line)))
    .filter((line) => line.length > 0)
    .join('; ')
    .replace(new RegExp(`${HOLE}([\\s,;]{0,3}${HOLE})+`, 'g'), HOLE)
    .replaceAll(HOLE, REDACTED);
  // Cut without leaving half a `[redacted]`, so that sanitising again changes nothing.
  return sanitized.length > MAX_LENGTH ? `${sanitized.slice(0, MAX_LENGTH - 1).replace(/\[[a-z]*$/, '')}…` : sanitized;
}

/** The message's lines up to its first stop line, without echo lines, echo tails and blank lines. */
function keptLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  const stop = lines.findIndex((line) => STOP_LINE.test(line));
  const head = stop === -1 ? lines : lines.slice(0, stop);
  const kept = head.filter((line, i) => !CARET_LINE.test(line) && !CARET_LINE.test(head[i + 1] ?? ''));
  return kept
    .map((line) => line.replace(ECHO_MARKER, '').trim())
    .filter((line) => line.length > 0)
    .slice(0, MAX_LINES);
}

/** Quoted text (unless it names a type), then JSON objects and arrays, become holes. */
function redactFragments(line: string): string {
  let out = line
    .replace(QUOTED, (_, _quote: string, inner: string) => (TYPE_NAME.test(inner) ? inner : HOLE))
    .replace(OPEN_QUOTE, HOLE);
  for (const [open, close] of [
    ['{', '}'],
    ['[', ']'],
  ] as const) {
    const pair = new RegExp(`\\${open}[^\\${open}\\${close}]*\\${close}`, 'g');
    for (let before = ''; before !== out; ) {
      before = out;
      out = out.replace(pair, HOLE);
    }
    const unclosed = out.indexOf(open);
    if (unclosed !== -1) out = `${out.slice(0, unclosed)}${HOLE}`;
  }
  return out.trim();
}

/** A word: opening parentheses, its core, and the punctuation after it. */
const WORD = /^([(]*)(.*?)([.,;:!?)]*)$/;

/** Each word judged on its own shape and the words around it. */
function redactTokens(line: string): string {
  const parts = line.split(/(\s+)/);
  let previous = '';
  return parts
    .map((part, index) => {
      if (/^\s*$/.test(part)) return part;
      const [, lead = '', core = '', tail = ''] = WORD.exec(part) ?? [];
      const next = (WORD.exec(parts[index + 2] ?? '')?.[2] ?? '').toLowerCase();
      // `DECIMAL(10,2)` keeps its closing parenthesis.
      const kept = TYPE_NAME.test(part.replace(/[.,;:!?]+$/, '')) || keepsToken(core, previous, next);
      previous = core.toLowerCase();
      return kept ? part : `${lead}${HOLE}${tail}`;
    })
    .join('');
}

function keepsToken(token: string, previous: string, next: string): boolean {
  if (token === '' || token === HOLE || TYPE_NAME.test(token)) return true;
  // `…string X…`, `…with value X…`: the word after is the input, unless it is plain prose.
  if ((previous === 'value' || previous === 'string') && !/^[a-z]+$/.test(token)) return false;
  if (FILE_NAME.test(token)) return true;
  if (/^\d+$/.test(token)) return token.length <= 7 || POSITION_WORDS.has(previous);
  if (/^[-+]?\d+(\.\d+)?%$/.test(token)) return true;
  if (/^[-+$]?[\d,]*\.\d+$/.test(token)) return UNITS.has(next) || previous === 'quality' || previous === 'score';
  // Dates (2025-01-02, 01/02/2025, 02-Jan-2025), SSN-like ids, CSV fragments.
  if (/^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}/.test(token) || /^\d{1,2}-[A-Za-z]{3}-\d{2,4}$/.test(token)) return false;
  if (/\S[,;|\t]\S/.test(token)) return false;
  // A code-like token (capitals with digits) is a claim value unless it is an X12 reference.
  if (/\d/.test(token) && /[A-Z]/.test(token)) return X12_REFERENCE.test(token);
  return true;
}
