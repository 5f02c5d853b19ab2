import type { RuleCount, RuleSample, ValidationReport } from './validation-report.ts';

/**
 * Renders a validation report as one self-contained HTML page: inline CSS and SVG, no script,
 * no external asset, so it can be opened from a bucket or attached to a ticket as is.
 */
export function renderHtmlReport(report: ValidationReport): string {
  const sections = [
    renderHeader(report),
    renderSummary(report),
    renderFileError(report),
    renderQuality(report),
    renderChart(report.rules),
    renderRuleTable(report.rules),
    renderSkippedRules(report),
    renderUnknownColumns(report),
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Validation report: ${escapeHtml(report.input_file)}</title>
<style>${STYLES}</style>
</head>
<body>
<main>
${sections.filter((s) => s !== '').join('\n')}
</main>
</body>
</html>
`;
}

/** The one escaper for every report value: file names, claim ids and column names come from untrusted input. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c] ?? c);
}

const HTML_ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Belt and braces: even if a value slipped through unescaped, nothing could load or run. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Fixed colours per action; the report's action string never reaches an attribute or class name. */
const ACTION_COLOURS: Readonly<Record<string, string>> = {
  quarantine: '#d9480f',
  warn: '#e6a700',
  halt: '#862e9c',
};
const OTHER_COLOUR = '#868e96';

const NUMBER_FORMAT = new Intl.NumberFormat('en-US');

function formatCount(n: number): string {
  return NUMBER_FORMAT.format(n);
}

function formatPercent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(1)}%`;
}

function pickActionColour(action: string): string {
  return ACTION_COLOURS[action] ?? OTHER_COLOUR;
}

function pickActionClass(action: string): string {
  return action in ACTION_COLOURS ? `action-${action}` : 'action-other';
}

function renderActionPill(action: string): string {
  return `<span class="pill ${pickActionClass(action)}">${escapeHtml(action)}</span>`;
}

function renderHeader(report: ValidationReport): string {
  const ok = report.validation_status === 'success';
  return `<header>
<p class="eyebrow">Claims validation report</p>
<h1>${escapeHtml(report.input_file)}</h1>
<p><span class="badge ${ok ? 'badge-success' : 'badge-failed'}">${escapeHtml(report.validation_status)}</span></p>
<dl class="meta">
${renderTerm('Job id', report.job_id)}
${renderTerm('Data source', report.data_source)}
${renderTerm('Format', report.format ?? 'unknown')}
${renderTerm('Started', report.started_at)}
${renderTerm('Finished', report.finished_at)}
${renderTerm('SHA-256', report.file_sha256)}
</dl>
</header>`;
}

function renderTerm(label: string, value: unknown): string {
  return `<div><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>`;
}

function renderSummary(report: ValidationReport): string {
  const { summary, duplicates_removed: dups } = report;
  const cards = [
    renderCard('Total records', formatCount(summary.total_records)),
    renderCard('Valid records', formatCount(summary.valid_records)),
    renderCard(
      'Error records',
      formatCount(summary.error_records),
      formatPercent(summary.error_records, summary.total_records),
    ),
    renderCard('Processed records', formatCount(report.processed_records)),
    renderCard(
      'Duplicates removed',
      formatCount(dups.total),
      `${formatCount(dups.exact)} exact, ${formatCount(dups.conflicting_key)} conflicting`,
    ),
  ];
  return `<section>
<h2>Summary</h2>
<div class="cards">
${cards.join('\n')}
</div>
</section>`;
}

function renderCard(label: string, value: string, note = ''): string {
  const noteHtml = note === '' ? '' : `<span class="note">${escapeHtml(note)}</span>`;
  return `<div class="card"><span class="label">${escapeHtml(label)}</span><span class="value">${escapeHtml(value)}</span>${noteHtml}</div>`;
}

function renderFileError(report: ValidationReport): string {
  if (report.file_error === null) return '';
  return `<section class="file-error" role="alert">
<h2>File rejected</h2>
<p><code>${escapeHtml(report.file_error.rule_id)}</code>: ${escapeHtml(report.file_error.reason)}</p>
</section>`;
}

function renderQuality(report: ValidationReport): string {
  const { quality } = report;
  if (quality === null) {
    return `<section>
<h2>Quality score</h2>
<p class="muted">Not scored: the file was rejected before its rows were checked.</p>
</section>`;
  }
  const rows = Object.entries(quality.dimensions).map(
    ([dimension, { score, failed_rows }]) => `<tr>
<th scope="row">${escapeHtml(dimension)}</th>
<td class="num">${escapeHtml(score.toFixed(1))}</td>
<td class="meter-cell"><span class="meter"><span style="width:${clampPercent(score)}%"></span></span></td>
<td class="num">${escapeHtml(formatCount(failed_rows))}</td>
</tr>`,
  );
  return `<section>
<h2>Quality score</h2>
<div class="quality">
<div class="score"><span class="value">${escapeHtml(quality.score.toFixed(1))}</span><span class="grade grade-${pickGradeClass(quality.grade)}">${escapeHtml(quality.grade)}</span></div>
<table class="dimensions">
<thead><tr><th scope="col">Dimension</th><th scope="col" class="num">Score</th><th scope="col"></th><th scope="col" class="num">Failed rows</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</div>
</section>`;
}

/** Keeps the inline width a plain number in 0..100, whatever the score holds. */
function clampPercent(n: number): string {
  return Number.isFinite(n) ? String(Math.min(100, Math.max(0, n))) : '0';
}

function pickGradeClass(grade: string): string {
  return ['A', 'B', 'C', 'D'].includes(grade) ? grade.toLowerCase() : 'f';
}

/** Failing rules, most failed rows first; the sort is stable, so ties keep the report's order. */
function selectFailingRules(rules: readonly RuleCount[]): RuleCount[] {
  return rules.filter((r) => r.row_count > 0).sort((a, b) => b.row_count - a.row_count);
}

const CHART = { labelWidth: 250, barMax: 560, countWidth: 80, rowHeight: 26, barHeight: 16 } as const;

function renderChart(rules: readonly RuleCount[]): string {
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

function renderRuleTable(rules: readonly RuleCount[]): string {
  const ordered = [...selectFailingRules(rules), ...rules.filter((r) => r.row_count <= 0)];
  const rows = ordered.map(renderRuleRow);
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

function renderRuleRow(rule: RuleCount): string {
  const main = `<tr class="${rule.row_count > 0 ? 'failing' : 'passing'}">
<td><code>${escapeHtml(rule.rule_id)}</code></td>
<td>${escapeHtml(rule.dimension)}</td>
<td>${escapeHtml(rule.severity)}</td>
<td>${renderActionPill(rule.action)}</td>
<td class="num">${escapeHtml(formatCount(rule.row_count))}</td>
<td>${escapeHtml(rule.description)}</td>
</tr>`;
  if (rule.samples.length === 0) return main;
  const samples = rule.samples.map((s) => `<li>${escapeHtml(describeSample(s))}</li>`);
  return `${main}
<tr class="samples"><td colspan="6"><span class="muted">Sample rows:</span> <ul>${samples.join('')}</ul></td></tr>`;
}

/** "row N (claim X line Y)", leaving out whichever identifier the row lacks. */
export function describeSample(sample: RuleSample): string {
  const ids = [
    sample.claim_id === null ? '' : `claim ${sample.claim_id}`,
    sample.claim_line_number === null ? '' : `line ${sample.claim_line_number}`,
  ].filter((s) => s !== '');
  const row = `row ${sample.source_row_number}`;
  return ids.length === 0 ? row : `${row} (${ids.join(' ')})`;
}

function renderSkippedRules(report: ValidationReport): string {
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

function renderUnknownColumns(report: ValidationReport): string {
  if (report.unknown_columns.length === 0) return '';
  const items = report.unknown_columns.map((c) => `<li><code>${escapeHtml(c)}</code></li>`);
  return `<section>
<h2>Unknown columns</h2>
<p class="muted">Present in the file but not in the canonical model; their values are kept as JSON in the <code>extra_columns</code> column.</p>
<ul class="columns">${items.join('')}</ul>
</section>`;
}

const STYLES = `
:root { color-scheme: light; --ink: #212529; --muted: #6c757d; --line: #dee2e6; --bg: #f8f9fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
header, section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; margin-bottom: 16px; }
h1 { margin: 0 0 8px; font-size: 22px; word-break: break-all; }
h2 { margin: 0 0 12px; font-size: 16px; }
.eyebrow { margin: 0; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .06em; }
.muted { color: var(--muted); }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-weight: 600; font-size: 12px; text-transform: uppercase; }
.badge-success { background: #d3f9d8; color: #2b8a3e; }
.badge-failed { background: #ffe3e3; color: #c92a2a; }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(240px, 1fr)); gap: 8px 24px; margin: 12px 0 0; }
.meta dt { color: var(--muted); font-size: 12px; }
.meta dd { margin: 0; word-break: break-all; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(180px, 1fr)); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; display: flex; flex-direction: column; }
.card .label { color: var(--muted); font-size: 12px; }
.card .value { font-size: 22px; font-weight: 600; }
.card .note { color: var(--muted); font-size: 12px; }
.file-error { border-color: #ffa8a8; background: #fff5f5; }
.file-error h2 { color: #c92a2a; }
.quality { display: flex; gap: 32px; align-items: center; flex-wrap: wrap; }
.score { display: flex; align-items: baseline; gap: 12px; }
.score .value { font-size: 44px; font-weight: 700; }
.grade { font-size: 20px; font-weight: 700; padding: 2px 12px; border-radius: 6px; color: #fff; }
.grade-a { background: #2b8a3e; } .grade-b { background: #5c940d; } .grade-c { background: #e67700; }
.grade-d { background: #d9480f; } .grade-f { background: #c92a2a; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.dimensions { width: auto; flex: 1; min-width: 360px; }
.meter-cell { width: 220px; vertical-align: middle; }
.meter { display: block; height: 10px; background: #e9ecef; border-radius: 5px; overflow: hidden; }
.meter span { display: block; height: 100%; background: #4c6ef5; }
.chart { display: block; max-width: 100%; height: auto; }
.bar-label { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; fill: var(--ink); }
.bar-count { font-size: 12px; fill: var(--muted); }
.legend { list-style: none; display: flex; gap: 16px; padding: 0; margin: 8px 0 0; font-size: 12px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
.pill { display: inline-block; padding: 0 8px; border-radius: 999px; font-size: 12px; color: #fff; }
.action-quarantine { background: #d9480f; } .action-warn { background: #e6a700; }
.action-halt { background: #862e9c; } .action-other { background: #868e96; }
.rules tr.passing { color: var(--muted); }
.rules tr.passing .pill { opacity: .5; }
.rules tr.failing:has(+ tr.samples) td { border-bottom: none; }
.rules tr.samples td { padding-top: 0; font-size: 12px; }
.rules tr.samples ul { display: inline; padding: 0; margin: 0; }
.rules tr.samples li { display: inline-block; margin: 0 10px 2px 0; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.columns { display: flex; flex-wrap: wrap; gap: 8px; list-style: none; padding: 0; margin: 0; }
.columns li { background: #f1f3f5; border-radius: 4px; padding: 2px 8px; }
`;
