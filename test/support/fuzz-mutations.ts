import { gzipSync } from 'node:zlib';

/** A seeded random source (mulberry32): the same seed gives the same mutated files on every run. */
export class Random {
  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = Math.imul(this.state ^ (this.state >>> 15), 1 | this.state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/** A seed file to mutate: its content and the extension its kind is usually delivered with. */
export interface Seed {
  readonly kind: 'csv' | 'ndjson' | 'json' | 'x12' | 'fhir';
  readonly extension: string;
  readonly bytes: Buffer;
}

export interface Mutant {
  readonly name: string;
  /** What was done to the seed, for the failure message of a file that crashed or hung. */
  readonly mutation: string;
  readonly bytes: Buffer;
  /** Still being written while it is read (its name holds `-growing-`). */
  readonly growing: boolean;
}

type Mutation = (bytes: Buffer, random: Random, seed: Seed) => Buffer;

/** Bytes that mean something to a reader: separators, quotes, brackets, CR, NUL, UTF-8 lead bytes. */
const SPECIAL_BYTES = [0x00, 0x0a, 0x0d, 0x09, 0x22, 0x2c, 0x7c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2a, 0x7e, 0x5c, 0xc3, 0xff];

const insert = (bytes: Buffer, at: number, extra: Buffer): Buffer =>
  Buffer.concat([bytes.subarray(0, at), extra, bytes.subarray(at)]);

const lineSplit = (bytes: Buffer): string[] => bytes.toString('latin1').split('\n');
const lineJoin = (lines: readonly string[]): Buffer => Buffer.from(lines.join('\n'), 'latin1');

const MUTATIONS: Readonly<Record<string, Mutation>> = {
  truncate: (b, r) => b.subarray(0, r.int(b.length)),
  'flip bits': (b, r) => {
    const out = Buffer.from(b);
    for (let n = 1 + r.int(24); n > 0; n--) {
      const i = r.int(out.length);
      out[i] = (out[i] ?? 0) ^ (1 << r.int(8));
    }
    return out;
  },
  'special bytes': (b, r) => {
    const out = Buffer.from(b);
    for (let n = 1 + r.int(12); n > 0; n--) out[r.int(out.length)] = r.pick(SPECIAL_BYTES);
    return out;
  },
  // Over the 1 MiB record limit, or under it: either a malformed row or a long value.
  'huge field': (b, r) =>
    insert(b, r.int(b.length), Buffer.alloc(r.pick([200_000, 1_200_000]), r.pick(['A', '9', ' ']))),
  'latin-1 slice': (b, r) => {
    const from = r.int(b.length);
    const to = Math.min(b.length, from + 1 + r.int(4000));
    const slice = Buffer.from(`${b.subarray(from, to).toString('utf8')}éüñ°`, 'latin1');
    return Buffer.concat([b.subarray(0, from), slice, b.subarray(to)]);
  },
  'utf-16 slice': (b, r) => {
    const from = r.int(b.length);
    const to = Math.min(b.length, from + 1 + r.int(2000));
    return Buffer.concat([
      b.subarray(0, from),
      Buffer.from(b.subarray(from, to).toString('utf8'), 'utf16le'),
      b.subarray(to),
    ]);
  },
  'whole file utf-16': (b) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(b.toString('utf8'), 'utf16le')]),
  'invalid utf-8': (b, r) => {
    let out = b;
    const bad = [
      [0xc3, 0x28],
      [0xe2, 0x82],
      [0xf0, 0x28, 0x8c, 0xbc],
      [0xed, 0xa0, 0x80],
      [0xef, 0xbb, 0xbf],
    ];
    for (let n = 1 + r.int(6); n > 0; n--) out = insert(out, r.int(out.length), Buffer.from(r.pick(bad)));
    return out;
  },
  'lone CRs and NULs': (b, r) => {
    let out = b;
    for (let n = 1 + r.int(5); n > 0; n--)
      out = insert(out, r.int(out.length), Buffer.from(r.pick(['\r', '\0', '\r\n', '\0\0\0\0'])));
    return out;
  },
  'line surgery': (b, r) => {
    const lines = lineSplit(b);
    for (let n = 1 + r.int(8); n > 0; n--) {
      const i = r.int(lines.length);
      const op = r.int(4);
      if (op === 0) lines.splice(i, 1);
      else if (op === 1) lines.splice(i, 0, lines[r.int(lines.length)] ?? '');
      else if (op === 2) lines[i] = (lines[i] ?? '').split('').reverse().join('');
      else lines[i] = `${lines[i] ?? ''}${r.pick([',', '|', '\t', '"', ',,,,,,', '}', '*~'])}`;
    }
    return lineJoin(lines);
  },
  'header swapped': (b, r) => {
    const lines = lineSplit(b);
    lines[0] = r.pick([
      '',
      'a,b,c',
      (lines[0] ?? '').toUpperCase(),
      (lines[0] ?? '').replaceAll(',', ';'),
      lines[1] ?? '',
    ]);
    return lineJoin(lines);
  },
  'json garbage': (b, r) => {
    const garbage = [
      '['.repeat(20_000),
      '{"a":'.repeat(5_000),
      '{"claim_id": 1e999999, "paid_amount": NaN}',
      '{"claim_id": "\\ud800\\udfff\\u0000"}',
      '{"claim_id": "C1", "claim_id": "C2"}',
      '}{][',
      '"just a string"',
      `{"${'k'.repeat(100_000)}": 1}`,
    ];
    const lines = lineSplit(b);
    for (let n = 1 + r.int(4); n > 0; n--) lines.splice(r.int(lines.length + 1), 0, r.pick(garbage));
    return lineJoin(lines);
  },
  'x12 garbage': (b, r) => {
    let text = b.toString('latin1');
    for (let n = 1 + r.int(6); n > 0; n--) {
      const op = r.int(6);
      if (op === 0) text = text.replaceAll('~', r.pick(['', '\n', '~~', '*']));
      else if (op === 1) text = text.replace(/SE\*[^~]*~/, '');
      else if (op === 2) text = text.replace(/CLM\*/, `CLM*${'9'.repeat(r.pick([10, 100_000]))}`);
      else if (op === 3) text = text.replace(/ISA\*.{0,30}/, 'ISA*');
      else if (op === 4) text = text.replaceAll('*', r.pick(['^', '**', '']));
      else text = `${text}${'LX*1~SV1*HC:99213*'.repeat(1 + r.int(500))}`;
    }
    return Buffer.from(text, 'latin1');
  },
  empty: () => Buffer.alloc(0),
  'bom only': () => Buffer.from([0xef, 0xbb, 0xbf]),
  gzipped: (b, r) => {
    const zipped = gzipSync(b);
    return r.int(3) === 0 ? zipped.subarray(0, r.int(zipped.length)) : zipped;
  },
  // Cut short or one bit flipped past the gzip header: the CRC or the length must catch it.
  'gzip damaged': (b, r) => {
    const zipped = gzipSync(b);
    if (r.int(2) === 0) return zipped.subarray(0, 10 + r.int(zipped.length - 10));
    const out = Buffer.from(zipped);
    const at = 10 + r.int(out.length - 10);
    out[at] = (out[at] ?? 0) ^ (1 << r.int(8));
    return out;
  },
  // An opening quote at the start of a field, with no closing one: it can swallow the records after it.
  'stray quote': (b, r) => {
    const lines = lineSplit(b);
    for (let n = 1 + r.int(2); n > 0; n--) {
      const i = 1 + r.int(Math.max(1, lines.length - 1));
      const fields = (lines[i] ?? '').split(',');
      const f = r.int(fields.length);
      fields[f] = `"${fields[f] ?? ''}${r.pick(['', ' Health', 'x"y'])}`;
      lines[i] = fields.join(',');
    }
    return lineJoin(lines);
  },
  // Columns named like claimflow's internals, a case-only duplicate, odd JSON keys.
  'reserved columns': (b, r, seed) => {
    const lines = lineSplit(b);
    const name = r.pick(RESERVED_NAMES);
    if (seed.kind === 'csv') {
      return lineJoin(
        lines.map((line, i) => (line === '' ? line : `${line},${i === 0 ? name : r.pick(['1', 'x', ''])}`)),
      );
    }
    const key = JSON.stringify(name);
    return Buffer.from(b.toString('latin1').replaceAll('{"claim_id"', `{${key}:"7","claim_id"`), 'latin1');
  },
  // Forty extra columns, or three thousand (past the width a claim file may have).
  'very wide': (b, r, seed) => {
    if (seed.kind !== 'csv') return b;
    const width = r.pick([40, 3000]);
    const names = Array.from({ length: width }, (_, k) => `,extra_${k}`).join('');
    const values = ','.repeat(width);
    return lineJoin(lineSplit(b).map((line, i) => (line === '' ? line : `${line}${i === 0 ? names : values}`)));
  },
};

const RESERVED_NAMES = [
  '_row_number',
  'file_row_number',
  '_ingest_error',
  '_raw_line',
  'Payer',
  'CLAIM_ID',
  'a\\',
  'a"',
  '',
];
/** Glob characters a name may hold: the file must be read as itself. */
const GLOB_PARTS = ['[1]', '*', '?', '[a-z]'];

const NAMES = Object.keys(MUTATIONS);
const CLAIM_EXTENSIONS = ['.csv', '.txt', '.ndjson', '.json', '.837', '.edi', '.csv.gz', '.jsonl', '.psv', '.x12'];

/**
 * `count` mutants of the seeds: each one to three mutations (truncation, bit flips, huge fields,
 * mixed encodings, X12 and JSON garbage, damaged gzip, stray quotes, reserved column names, very
 * wide records...), the file named like its seed's kind mostly, and sometimes with another claim
 * extension, so detection by name and by content disagree, or with glob characters in its name.
 */
export function mutate(seeds: readonly Seed[], count: number, randomSeed: number): Mutant[] {
  const random = new Random(randomSeed);
  const mutants: Mutant[] = [];
  for (let i = 0; i < count; i++) {
    const seed = seeds[i % seeds.length] as Seed;
    const applied: string[] = [];
    let bytes = seed.bytes;
    for (let n = 1 + random.int(3); n > 0; n--) {
      const name = random.pick(NAMES);
      applied.push(name);
      bytes = (MUTATIONS[name] as Mutation)(bytes, random, seed);
    }
    const extension = random.int(8) === 0 ? random.pick(CLAIM_EXTENSIONS) : seed.extension;
    const glob = random.int(10) === 0 ? random.pick(GLOB_PARTS) : '';
    // Every 40th file (a CSV) is still being written while the run reads it.
    const growing = i % 40 === 0 && seed.kind === 'csv';
    mutants.push({
      name: `fuzz-${String(i).padStart(4, '0')}${glob}${growing ? '-growing' : ''}-${seed.kind}${extension}`,
      growing,
      mutation: applied.join(' + '),
      bytes,
    });
  }
  return mutants;
}
