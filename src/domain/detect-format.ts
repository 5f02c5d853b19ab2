export type InputFormat =
  | { readonly kind: 'csv'; readonly delimiter: ',' | '|' | '\t'; readonly header: readonly string[] }
  | { readonly kind: 'json-array' }
  | { readonly kind: 'ndjson' };

/** The start of a file, decompressed, and whether the file is gzip (by content, not name). */
export interface FileHead {
  readonly bytes: Buffer;
  readonly gzip: boolean;
}

export type Detection =
  | { readonly ok: true; readonly format: InputFormat }
  | { readonly ok: false; readonly reason: string };

const DELIMITERS = [',', '|', '\t'] as const;

/** Bytes needed from the (decompressed) start of a file to decide its format. */
export const HEAD_BYTES = 64 * 1024;

/**
 * Decides the format from the file name and its first (decompressed) bytes. Binary content
 * is refused here so that it is reported as unreadable rather than read as odd text.
 */
export function detectFormat(fileName: string, head: Buffer): Detection {
  if (head.includes(0)) return { ok: false, reason: 'binary content (NUL bytes) in the first bytes of the file' };
  const text = decodeHead(head);
  if (text === undefined) return { ok: false, reason: 'not UTF-8 text in the first bytes of the file' };
  const base = fileName.toLowerCase().replace(/\.gz$/, '');
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  if (/\.(ndjson|jsonl)$/.test(base)) return { ok: true, format: { kind: 'ndjson' } };
  if (base.endsWith('.json') || first === '[' || first === '{') {
    return { ok: true, format: first === '[' ? { kind: 'json-array' } : { kind: 'ndjson' } };
  }
  const headerLine = firstLine(text.replace(/^\uFEFF/, ''));
  const delimiter = detectDelimiter(headerLine);
  return { ok: true, format: { kind: 'csv', delimiter, header: uniqueNames(splitHeader(headerLine, delimiter)) } };
}

function decodeHead(head: Buffer): string | undefined {
  // The head may end inside a multi-byte character; drop up to 3 trailing bytes before judging.
  for (let cut = 0; cut < 4 && cut < head.length; cut++) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
    } catch {
      // try a shorter slice
    }
  }
  return undefined;
}

/** Header fields, unquoted. The header is read here, not sniffed, so ragged data rows cannot hide it. */
function splitHeader(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields.map((f) => f.trim());
}

/** Column names as the engine needs them: non-empty and distinct. */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((name, i) => {
    const base = name || `column_${i + 1}`;
    let unique = base;
    for (let n = 2; seen.has(unique); n++) unique = `${base}_${n}`;
    seen.add(unique);
    return unique;
  });
}

/** The text before the first line end: LF, CRLF or a lone CR (classic Mac files end every line with CR alone). */
function firstLine(text: string): string {
  const end = text.search(/[\r\n]/);
  return end === -1 ? text : text.slice(0, end);
}

/** The delimiter that occurs most often outside quotes in the header line. */
function detectDelimiter(header: string): ',' | '|' | '\t' {
  const counts = new Map<string, number>();
  let quoted = false;
  for (const ch of header) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  let best: ',' | '|' | '\t' = ',';
  for (const d of DELIMITERS) if ((counts.get(d) ?? 0) > (counts.get(best) ?? 0)) best = d;
  return best;
}
