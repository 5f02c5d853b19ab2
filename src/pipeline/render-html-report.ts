import {
  renderFileError,
  renderHeader,
  renderQuality,
  renderSummary,
  renderUnknownColumns,
} from './html-report/file-sections.ts';
import { escapeHtml } from './html-report/html-text.ts';
import { STYLES } from './html-report/report-styles.ts';
import { renderChart, renderRuleTable, renderSkippedRules, sampleLabelsOf } from './html-report/rule-sections.ts';
import type { ValidationReport } from './validation-report.ts';

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
    renderRuleTable(report.rules, sampleLabelsOf(report.profile?.table)),
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

/** Belt and braces: even if a value slipped through unescaped, nothing could load or run. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
