/** A sample of the Prometheus text format. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface PromText {
  readonly help: ReadonlyMap<string, string>;
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly PromSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)$`);
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"(,|$)/y;
const COMMENT = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`);
const TYPES = new Set(['counter', 'gauge', 'summary', 'histogram', 'untyped']);

function parseValue(raw: string, line: number): number {
  if (raw === 'NaN') return Number.NaN;
  if (raw === '+Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  const value = Number(raw);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) || Number.isNaN(value))
    throw new Error(`line ${line}: bad value ${raw}`);
  return value;
}

function parseLabels(raw: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < raw.length) {
    const start = LABEL.lastIndex;
    const match = LABEL.exec(raw);
    if (!match || match.index !== start) throw new Error(`line ${line}: bad labels {${raw}}`);
    const [, key = '', value = ''] = match;
    if (key in labels) throw new Error(`line ${line}: label ${key} twice`);
    labels[key] = value.replace(/\\(["\\n])/g, (_m, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** The family a sample belongs to: its own name, or a summary's `_sum`/`_count`. */
function familyOf(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(sum|count)$/, '');
  return base !== name && types.get(base) === 'summary' ? base : undefined;
}

/**
 * Parses the text exposition format strictly: every line is HELP, TYPE or a sample `name{labels} value`,
 * each family has HELP and TYPE before its samples, and no sample repeats. Throws on anything else.
 */
export function parsePrometheusText(text: string): PromText {
  if (!text.endsWith('\n')) throw new Error('the text must end with a newline');
  const help = new Map<string, string>();
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  const seen = new Set<string>();
  text
    .slice(0, -1)
    .split('\n')
    .forEach((content, i) => {
      const line = i + 1;
      const comment = COMMENT.exec(content);
      if (comment) {
        const [, kind, name = '', rest = ''] = comment;
        const target = kind === 'HELP' ? help : types;
        if (target.has(name)) throw new Error(`line ${line}: second ${kind} for ${name}`);
        if (kind === 'TYPE' && !TYPES.has(rest)) throw new Error(`line ${line}: unknown type ${rest}`);
        if (kind === 'TYPE' && !help.has(name)) throw new Error(`line ${line}: TYPE before HELP for ${name}`);
        target.set(name, rest);
        return;
      }
      const sample = SAMPLE.exec(content);
      if (!sample) throw new Error(`line ${line}: not a HELP, TYPE or sample line: ${content}`);
      const [, name = '', labelText = '', value = ''] = sample;
      if (!familyOf(name, types)) throw new Error(`line ${line}: sample ${name} before its TYPE`);
      const labels = parseLabels(labelText, line);
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seen.has(key)) throw new Error(`line ${line}: sample repeated: ${content}`);
      seen.add(key);
      samples.push({ name, labels, value: parseValue(value, line) });
    });
  return { help, types, samples };
}

/** The value of the one sample with this name and these labels (exactly). */
export function sampleValue(text: PromText, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return text.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted)?.value;
}
