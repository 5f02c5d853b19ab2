import { findTable } from '../../domain/tables/tables.ts';
import type { RuleCount, RuleSample, ValidationReport } from '../validation-report.ts';
import { escapeHtml, formatCount } from './html-text.ts';

/** Fixed colours per action; the report's action string never reaches an attribute or class name. */
const ACTION_COLOURS: Readonly<Record<string, string>> = {
  quarantine: '#d9480f',
  warn: '#e6a700',
  halt: '#862e9c',
};
const OTHER_COLOUR = '#868e96';

function pickActionColour(action: string): string {
  return ACTION_COLOURS[action] ?? OTHER_COLOUR;
}

function pickActionClass(action: string): string {
  return action in ACTION_COLOURS ? `action-${action}` : 'action-other';
}

function renderActionPill(action: string): string {
  return `<span class="pill ${pickActionClass(action)}">${escapeHtml(action)}</span>`;
}

/** Failing rules, most failed rows first; the sort is stable, so ties keep the report's order. */
function selectFailingRules(rules: readonly RuleCount[]): RuleCount[] {
  return rules.filter((r) => r.row_count > 0).sort((a, b) => b.row_count - a.row_count);
}

const CHART = { labelWidth: 250, barMax: 560, countWidth: 80, rowHeight: 26, barHeight: 16 } as const;

export function renderChart(rules: readonly RuleCount[]): string {
  const failing = selectFailingRules(rules);
  if (failing.length === 0) {
    return `<section>
<h2>Failed rows by rule</h2>
<p class="muted">No rule failed.</p>
</section>`;
  }
  const max = Math.max(...failing.map((r) => r.row_count));
  const width = CHART.labelWidth + CHART.barMax + CHART.countWidth;
  const height = failing.length * CHART.rowHeight + 8;
  const bars = failing.map((rule, i) => renderBar(rule, i, max));
  return `<section>
<h2>Failed rows by rule</h2>
<svg class="chart" role="img" aria-label="Failed rows by rule" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">
${bars.join('\n')}
</svg>
${renderLegend()}
</section>`;
}

function renderBar(rule: RuleCount, index: number, max: number): string {
  const y = 4 + index * CHART.rowHeight;
  const textY = y + CHART.barHeight / 2 + 4;
  // A floor of 2px keeps a rule with a handful of rows visible next to one with thousands.
  const barWidth = Math.max(2, (rule.row_count / max) * CHART.barMax);
  const count = formatCount(rule.row_count);
  return `<g>
<text x="${CHART.labelWidth - 8}" y="${textY}" text-anchor="end" class="bar-label">${escapeHtml(rule.rule_id)}</text>
<rect class="bar" x="${CHART.labelWidth}" y="${y}" width="${barWidth.toFixed(1)}" height="${CHART.barHeight}" rx="2" fill="${pickActionColour(rule.action)}"><title>${escapeHtml(`${rule.rule_id}: ${count} rows (${rule.action})`)}</title></rect>
<text x="${(CHART.labelWidth + barWidth + 6).toFixed(1)}" y="${textY}" class="bar-count">${escapeHtml(count)}</text>
</g>`;
}

function renderLegend(): string {
  const items = Object.entries(ACTION_COLOURS).map(
    ([action, colour]) => `<li><span class="swatch" style="background:${colour}"></span>${escapeHtml(action)}</li>`,
  );
  return `<ul class="legend">${items.join('')}</ul>`;
}

/** What a report's two sample identifiers are called: a claim and its line, or the table's own (a provider's NPI). */
export type SampleLabels = readonly [string, string];
const CLAIM_LABELS: SampleLabels = ['claim', 'line'];
const LABEL_OF: Readonly<Record<string, string>> = { claim_id: 'claim', claim_line_number: 'line', npi: 'NPI' };

/** The sample labels of the table a report's file filled (claim and line when it names none). */
export function sampleLabelsOf(table: string | null | undefined): SampleLabels {
  const ids = findTable(table ?? '')?.sampleIds;
  if (!ids) return CLAIM_LABELS;
  const [first, second] = ids;
  return [LABEL_OF[first] ?? first, second === null ? '' : (LABEL_OF[second] ?? second)];
}

export function renderRuleTable(rules: readonly RuleCount[], labels: SampleLabels = CLAIM_LABELS): string {
  const ordered = [...selectFailingRules(rules), ...rules.filter((r) => r.row_count <= 0)];
  const rows = ordered.map((rule) => renderRuleRow(rule, labels));
  return `<section>
<h2>Rules checked</h2>
<table class="rules">
<thead><tr><th scope="col">Rule</th><th scope="col">Dimension</th><th scope="col">Severity</th><th scope="col">Action</th><th scope="col" class="num">Failed rows</th><th scope="col">Description</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>`;
}

function renderRuleRow(rule: RuleCount, labels: SampleLabels): string {
  const main = `<tr class="${rule.row_count > 0 ? 'failing' : 'passing'}">
<td><code>${escapeHtml(rule.rule_id)}</code></td>
<td>${escapeHtml(rule.dimension)}</td>
<td>${escapeHtml(rule.severity)}</td>
<td>${renderActionPill(rule.action)}</td>
<td class="num">${escapeHtml(formatCount(rule.row_count))}</td>
<td>${escapeHtml(rule.description)}</td>
</tr>`;
  if (rule.samples.length === 0) return main;
  const samples = rule.samples.map((s) => `<li>${escapeHtml(describeSample(s, labels))}</li>`);
  return `${main}
<tr class="samples"><td colspan="6"><span class="muted">Sample rows:</span> <ul>${samples.join('')}</ul></td></tr>`;
}

/** "row N (claim X line Y)", leaving out whichever identifier the row lacks. */
export function describeSample(sample: RuleSample, [first, second]: SampleLabels = CLAIM_LABELS): string {
  const ids = [
    sample.claim_id === null ? '' : `${first} ${sample.claim_id}`,
    sample.claim_line_number === null ? '' : `${second} ${sample.claim_line_number}`,
  ].filter((s) => s !== '');
  const row = `row ${sample.source_row_number}`;
  return ids.length === 0 ? row : `${row} (${ids.join(' ')})`;
}

export function renderSkippedRules(report: ValidationReport): string {
  if (report.skipped_rules.length === 0) return '';
  const rows = report.skipped_rules.map(
    (s) => `<tr><td><code>${escapeHtml(s.rule_id)}</code></td><td>${escapeHtml(s.reason)}</td></tr>`,
  );
  return `<section>
<h2>Skipped rules</h2>
<table>
<thead><tr><th scope="col">Rule</th><th scope="col">Reason</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</section>`;
}
