import { CODE_SET_SOURCES } from './code-sets.ts';
import { type NeededColumns, type RowRule, type Rule, TIMELY_FILING_BASES } from './rule.ts';
import { DEDUPE_RULES, FILE_RULES } from './rule-catalog.ts';
import { MEDICAL_CLAIM_TABLE, TABLES } from './tables/tables.ts';

const cell = (text: string): string => text.replaceAll('|', '\\|');

function table(rules: readonly Rule[]): string {
  const rows = rules.map((r) => {
    const requires = 'requires' in r && r.requires ? ` Needs reference list \`${r.requires}\`.` : '';
    return `| \`${r.id}\` | ${r.dimension} | ${r.severity} | ${r.action} | ${cell(r.description)}${requires} | ${cell(r.source)} |`;
  });
  return [
    '| id | dimension | severity | default action | what it checks | source |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** Numbered columns in a run written once: `diagnosis_code_1`…`25`. */
function columnList(columns: readonly string[]): string {
  const runs: Array<{ prefix: string; from: number; to: number } | string> = [];
  for (const column of columns) {
    const [, prefix, n] = /^(.*_)(\d+)$/.exec(column) ?? [];
    const last = runs.at(-1);
    if (prefix && typeof last === 'object' && last.prefix === prefix && last.to + 1 === Number(n)) last.to++;
    else runs.push(prefix ? { prefix, from: Number(n), to: Number(n) } : column);
  }
  return runs
    .map((r) =>
      typeof r === 'string'
        ? `\`${r}\``
        : r.from === r.to
          ? `\`${r.prefix}${r.from}\``
          : `\`${r.prefix}${r.from}\`…\`${r.to}\``,
    )
    .join(', ');
}

function needsCell(needs: NeededColumns): string {
  if (needs.length === 0) return 'nothing (always runs)';
  return needs.map((n) => (typeof n === 'string' ? `\`${n}\`` : `one of ${columnList(n)}`)).join(' and ');
}

function needsTable(rules: readonly RowRule[]): string {
  const rows = rules.map((r) => {
    const byBasis = TIMELY_FILING_BASES.map((basis) =>
      typeof r.needs === 'function'
        ? `${needsCell(r.needs({ earliestDate: '', amountTolerance: 0, timelyFilingDays: 0, timelyFilingBasis: basis }))} (\`timely_filing_basis: ${basis}\`)`
        : needsCell(r.needs),
    );
    const reads = r.alsoReads?.length ? columnList(r.alsoReads) : '';
    return `| \`${r.id}\` | ${[...new Set(byBasis)].join('; ')} | ${reads} |`;
  });
  return ['| id | judges | also reads |', '|---|---|---|', ...rows].join('\n');
}

/** Each table's row rules: medical_claim's as the main catalog, then every other table's. */
function tableSections(): string {
  return TABLES.map((t) => {
    const title = t === MEDICAL_CLAIM_TABLE ? 'Row rules' : `\`${t.name}\` row rules`;
    const intro =
      t === MEDICAL_CLAIM_TABLE
        ? 'The `medical_claim` catalog: claim lines, whatever their source.'
        : `Files whose layout fills \`${t.name}\` (${t.grain}) run this catalog instead, over its own columns ([canonical-model.md](canonical-model.md#tables)).`;
    return `## ${title} (${t.rules.length})\n\n${intro}\n\n${table(t.rules)}`;
  }).join('\n\n');
}

/** docs/rules.md, generated from the tables' catalogs (`npx tsx scripts/write-rules-doc.ts`). */
export function renderRulesDoc(): string {
  const codeSets = Object.entries(CODE_SET_SOURCES)
    .map(([name, s]) => `| \`${name}\` | \`${s.glob}\` | \`${s.column}\`${s.where ? ` where ${s.where}` : ''} |`)
    .join('\n');
  return `<!-- Generated from src/domain/rule-catalog.ts and src/domain/tables/ by scripts/write-rules-doc.ts; do not edit by hand. -->
# Rule catalog

Every rule is a SQL predicate over the canonical model, compiled into the check stage and run
set-based over the whole file. A row collects the ids of the rules it breaks:

- **quarantine**: the row goes to \`quarantine/rows/\` with its source text and \`dq_errors\`;
- **warn**: the row is published and the id is added to \`dq_warnings\`;
- **halt**: the whole file is rejected (copied to \`quarantine/files/\`, exit code 2).

A file is also rejected whole when its share of quarantined rows is over the error-rate
threshold (\`thresholds.error_rate\`, default 5%, or \`--error-threshold\`). Actions, severities
and enablement of row rules can be changed per source in the config file
([configuration.md](configuration.md)). Rules on malformed rows (wrong field count) are
skipped except \`malformed_row\`: their fields are unknown, not missing.

${tableSections()}

## Claim key duplicates

${table(DEDUPE_RULES)}

## File rules (always halt)

${table(FILE_RULES)}

## Reference lists

Rules that need a list are skipped, and listed under \`skipped_rules\` in the report, when
\`--refdata\` (or \`refdata\` in the config) is not given or the file is missing.

| list | file under the reference folder | codes |
|---|---|---|
${codeSets}

## What a rule needs from a source

A rule judges the columns below. When a file's source profile never carries what a rule
judges (a column it cannot do without, or every column of a "one of" group), the rule is
skipped for that file: it isn't compiled into the plan (DuckDB's or Spark's), isn't in the
report's \`rules\` or quality score, and is listed in \`skipped_rules\` with the reason
\`<profile>/<layout> never carries <column>\`. A layout that maps its columns never carries
those it doesn't map; a layout matching columns by name declares them with \`never_carries\`
([sources.md](sources.md)). The columns under "also reads" only narrow which rows are judged,
and skip nothing. \`src/plan/rule-needs.test.ts\` checks these lists against each rule's SQL,
for every table's catalog; a layout's never-carried columns are those of the table it fills.

${TABLES.map((t) => `### ${t.name}\n\n${needsTable(t.rules)}`).join('\n\n')}
`;
}
