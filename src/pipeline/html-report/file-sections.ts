import type { ValidationReport } from '../validation-report.ts';
import { escapeHtml, formatCount, formatPercent } from './html-text.ts';

export function renderHeader(report: ValidationReport): string {
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
${renderTerm('SHA-256', report.file_sha256 ?? 'not computed (read by Spark on Glue)')}
</dl>
</header>`;
}

function renderTerm(label: string, value: unknown): string {
  return `<div><dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd></div>`;
}

export function renderSummary(report: ValidationReport): string {
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

export function renderFileError(report: ValidationReport): string {
  if (report.file_error === null) return '';
  return `<section class="file-error" role="alert">
<h2>File rejected</h2>
<p><code>${escapeHtml(report.file_error.rule_id)}</code>: ${escapeHtml(report.file_error.reason)}</p>
</section>`;
}

export function renderQuality(report: ValidationReport): string {
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

export function renderUnknownColumns(report: ValidationReport): string {
  if (report.unknown_columns.length === 0) return '';
  const items = report.unknown_columns.map((c) => `<li><code>${escapeHtml(c)}</code></li>`);
  return `<section>
<h2>Unknown columns</h2>
<p class="muted">Present in the file but not in the canonical model; their values are kept as JSON in the <code>extra_columns</code> column.</p>
<ul class="columns">${items.join('')}</ul>
</section>`;
}
