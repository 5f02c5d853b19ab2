// The dashboard page: polls the JSON API and redraws. Every value reaches the page as text
// (textContent, attributes set one by one), never as markup, so nothing from the API can run.

const POLL_MS = 2000;
const CHARTED_JOBS = 20;
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const HEIGHT = 200;
const PLOT = { left: 72, right: 590, top: 12, bottom: 172 };
const BADGES = new Set([
  'SUCCEEDED',
  'FAILED',
  'STARTED',
  'success',
  'failed',
  'critical',
  'high',
  'medium',
  'low',
  'quarantine',
  'warn',
  'halt',
]);

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

const formatCount = (n) => integer.format(n);
const formatRate = (r) => `${(r * 100).toFixed(2)}%`;
const formatMs = (ms) => (ms >= 10_000 ? `${decimal.format(ms / 1000)} s` : `${integer.format(ms)} ms`);
const formatUsd = (usd) => (usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toPrecision(3)}` : `$${usd.toFixed(2)}`);
const formatTime = (iso) => (iso ? `${iso.replace('T', ' ').slice(0, 19)}Z` : '');
const DAY_MS = 86_400_000;
/** An axis label for a time (UTC), as fine as the axis's span needs: the date, else the minute, else the second. */
const formatAxisTime = (ms, spanMs) => {
  const iso = new Date(ms).toISOString();
  if (spanMs >= 2 * DAY_MS) return iso.slice(0, 10);
  if (spanMs >= 3_600_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  return iso.slice(11, 19);
};
const orDash = (value, format) => (value === null || value === undefined ? '–' : format(value));

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children.map((c) => (c instanceof Node ? c : String(c))));
  return node;
}

function svgElement(tag, attributes = {}, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function badge(value) {
  const node = element('span', { class: 'badge' }, value);
  if (BADGES.has(value)) node.classList.add(value);
  return node;
}

function setMetric(name, text) {
  for (const node of document.querySelectorAll(`[data-metric="${name}"]`)) node.textContent = text;
}

/** Replaces a table's rows; `cells` gives each row's cells as text, nodes, or { value, num }. */
function fillTable(id, rows, cells) {
  const body = document.querySelector(`#${id} tbody`);
  const columns = document.querySelectorAll(`#${id} thead th`).length;
  if (rows.length === 0) {
    body.replaceChildren(element('tr', {}, element('td', { class: 'none', colspan: columns }, 'none')));
    return;
  }
  body.replaceChildren(
    ...rows.map((row) =>
      element(
        'tr',
        {},
        ...cells(row).map((cell) =>
          cell !== null && typeof cell === 'object' && !(cell instanceof Node)
            ? element('td', { class: 'num' }, cell.value)
            : element('td', {}, cell ?? ''),
        ),
      ),
    ),
  );
}

/**
 * Bars with a y axis from 0 to the largest value. Each item is { label, title, parts: [{ value, cls }] };
 * parts stack from the bottom.
 */
function drawBars(id, items, { format, max: fixedMax, labelEvery = 1 }) {
  const svg = document.getElementById(id);
  const totals = items.map((item) => item.parts.reduce((sum, part) => sum + part.value, 0));
  const max = fixedMax ?? Math.max(0, ...totals);
  const nodes = [
    svgElement('line', { class: 'axis', x1: PLOT.left, x2: PLOT.right, y1: PLOT.bottom, y2: PLOT.bottom }),
    svgElement('line', { class: 'axis', x1: PLOT.left, x2: PLOT.left, y1: PLOT.top, y2: PLOT.bottom }),
    svgElement('text', { x: PLOT.left - 4, y: PLOT.top + 8, 'text-anchor': 'end' }, format(max)),
    svgElement('text', { x: PLOT.left - 4, y: PLOT.bottom, 'text-anchor': 'end' }, format(0)),
  ];
  if (items.length === 0 || max === 0) {
    nodes.push(
      svgElement('text', { class: 'empty', x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle' }, 'no data yet'),
    );
  }
  const slot = (PLOT.right - PLOT.left) / Math.max(items.length, 1);
  const barWidth = Math.max(2, slot * 0.7);
  items.forEach((item, i) => {
    const x = PLOT.left + i * slot + (slot - barWidth) / 2;
    let y = PLOT.bottom;
    const group = svgElement('g', { class: 'bar-group' });
    group.append(svgElement('title', {}, item.title));
    for (const part of item.parts) {
      const height = max > 0 ? ((PLOT.bottom - PLOT.top) * part.value) / max : 0;
      y -= height;
      group.append(svgElement('rect', { class: `bar ${part.cls ?? ''}`.trim(), x, y, width: barWidth, height }));
    }
    nodes.push(group);
    if (i % labelEvery === 0) {
      nodes.push(
        svgElement(
          'text',
          { class: 'x-label', x: x + barWidth / 2, y: PLOT.bottom + 14, 'text-anchor': 'middle' },
          item.label,
        ),
      );
    }
  });
  svg.replaceChildren(...nodes);
}

const SERIES_CLASSES = 8;

/**
 * One line per series over a time axis (x: finish time, y: 0 to `max`). Each series is
 * { name, points: [{ at, value, title }] }, points in time order.
 */
function drawTimeLines(id, series, { format, max }) {
  const svg = document.getElementById(id);
  const times = series.flatMap((s) => s.points.map((p) => Date.parse(p.at)));
  const nodes = [
    svgElement('line', { class: 'axis', x1: PLOT.left, x2: PLOT.right, y1: PLOT.bottom, y2: PLOT.bottom }),
    svgElement('line', { class: 'axis', x1: PLOT.left, x2: PLOT.left, y1: PLOT.top, y2: PLOT.bottom }),
    svgElement('text', { x: PLOT.left - 4, y: PLOT.top + 8, 'text-anchor': 'end' }, format(max)),
    svgElement('text', { x: PLOT.left - 4, y: PLOT.bottom, 'text-anchor': 'end' }, format(0)),
  ];
  if (times.length === 0) {
    nodes.push(
      svgElement('text', { class: 'empty', x: WIDTH / 2, y: HEIGHT / 2, 'text-anchor': 'middle' }, 'no data yet'),
    );
    svg.replaceChildren(...nodes);
    return;
  }
  // A single moment gets an hour either side, so its points sit mid-axis.
  const first = Math.min(...times);
  const last = Math.max(...times);
  const [from, to] = last > first ? [first, last] : [first - 3_600_000, last + 3_600_000];
  const inset = 12;
  const xOf = (ms) => PLOT.left + inset + ((PLOT.right - PLOT.left - 2 * inset) * (ms - from)) / (to - from);
  const yOf = (value) => PLOT.bottom - ((PLOT.bottom - PLOT.top) * value) / max;
  const ticks = last > first ? 5 : 1;
  for (let i = 0; i < ticks; i++) {
    const ms = ticks === 1 ? first : from + ((to - from) * i) / (ticks - 1);
    const anchor = ticks === 1 ? 'middle' : i === 0 ? 'start' : i === ticks - 1 ? 'end' : 'middle';
    nodes.push(
      svgElement(
        'text',
        { class: 'x-label', x: xOf(ms), y: PLOT.bottom + 14, 'text-anchor': anchor },
        formatAxisTime(ms, to - from),
      ),
    );
  }
  series.forEach((s, i) => {
    const cls = `series s${i % SERIES_CLASSES}`;
    const group = svgElement('g', { class: cls, 'data-series': s.name });
    const coordinates = s.points.map((p) => `${xOf(Date.parse(p.at))},${yOf(p.value)}`);
    if (s.points.length > 1) group.append(svgElement('polyline', { class: 'line', points: coordinates.join(' ') }));
    s.points.forEach((p, j) => {
      const [x, y] = coordinates[j].split(',');
      const dot = svgElement('circle', { class: 'dot', cx: x, cy: y, r: 4 });
      dot.append(svgElement('title', {}, p.title));
      group.append(dot);
    });
    nodes.push(group);
  });
  svg.replaceChildren(...nodes);
}

/** Jobs' finish times as bar labels, every few bars so they don't collide. */
function jobBars(jobs, toBar) {
  const times = jobs.map((j) => Date.parse(j.finished_at));
  const span = times.length > 0 ? Math.max(...times) - Math.min(...times) : 0;
  return {
    items: jobs.map((j) => ({ label: formatAxisTime(Date.parse(j.finished_at), span), ...toBar(j) })),
    labelEvery: Math.max(1, Math.ceil(jobs.length / 5)),
  };
}

function renderAttention(m) {
  document.getElementById('card-failed').classList.toggle('attention', m.files_processed_total.FAILED > 0);
  const failing = m.jobs.filter((j) => j.status === 'FAILED');
  fillTable('table-failing', failing.slice(0, CHARTED_JOBS), (j) => [
    formatTime(j.finished_at),
    j.input_file,
    j.failure_rule ?? (j.report_url ? '' : 'system error (no report)'),
    reportLink(j.report_url),
  ]);
  fillTable('table-rules', m.top_rules, (r) => [
    r.rule_id,
    badge(r.action),
    { value: formatCount(r.rows) },
    { value: formatCount(r.files) },
  ]);
  const bySource = new Map();
  for (const j of [...m.jobs].reverse()) {
    if (j.status === 'STARTED' || j.quality_score === null || !j.finished_at) continue;
    const source = j.data_source ?? 'unknown';
    if (!bySource.has(source)) bySource.set(source, []);
    bySource.get(source).push({
      at: j.finished_at,
      value: j.quality_score,
      title: `${source}, ${formatTime(j.finished_at)}: ${j.input_file} ${decimal.format(j.quality_score)} (${j.quality_grade})`,
    });
  }
  const series = [...bySource].map(([name, points]) => ({ name, points }));
  drawTimeLines('chart-quality', series, { format: (v) => decimal.format(v), max: 100 });
  document
    .getElementById('legend-quality')
    .replaceChildren(
      ...series.map((s, i) => element('li', {}, element('span', { class: `swatch s${i % SERIES_CLASSES}` }), s.name)),
    );
}

function renderOverview(m) {
  renderAttention(m);
  setMetric('files_succeeded', formatCount(m.files_processed_total.SUCCEEDED));
  setMetric('files_failed', formatCount(m.files_processed_total.FAILED));
  setMetric('records_processed_total', formatCount(m.records_processed_total));
  setMetric('records_valid_total', formatCount(m.records_valid_total));
  setMetric('records_quarantined_total', formatCount(m.records_quarantined_total));
  setMetric('duplicates_removed_total', formatCount(m.duplicates_removed_total));
  setMetric('error_rate', formatRate(m.error_rate));
  setMetric('records_processed_per_hour', formatCount(m.records_processed_per_hour));
  const jobTime = m.job_duration_ms;
  setMetric('job_duration_avg', jobTime.count > 0 ? formatMs(jobTime.sum / jobTime.count) : '–');
  setMetric('quality_score', orDash(m.quality_score, decimal.format));
  setMetric('cost_last_run', orDash(m.estimated_cost_usd.last_run, formatUsd));
  setMetric('cost_total', formatUsd(m.estimated_cost_usd.total));

  const hourLabel = (h) => `${h.hour.slice(11, 13)}:00`;
  drawBars(
    'chart-volume',
    m.hourly.map((h) => ({
      label: hourLabel(h),
      title: `${formatTime(h.hour)}: ${formatCount(h.records_processed)} lines published, ${h.files} file(s)`,
      parts: [{ value: h.records_processed }],
    })),
    { format: formatCount, labelEvery: 3 },
  );
  drawBars(
    'chart-error-rate',
    m.hourly.map((h) => ({
      label: hourLabel(h),
      title: `${formatTime(h.hour)}: ${formatRate(h.error_rate)} of ${formatCount(h.records_input)} lines quarantined`,
      parts: [{ value: h.error_rate, cls: 'bad' }],
    })),
    { format: formatRate, labelEvery: 3 },
  );

  const finished = m.jobs
    .filter((j) => j.status !== 'STARTED')
    .slice(0, CHARTED_JOBS)
    .reverse();
  const stages = Object.keys(m.stage_duration_ms);
  const stageClass = (stage) => `s${stages.indexOf(stage) % 8}`;
  const durations = jobBars(finished, (j) => ({
    title: `${formatTime(j.finished_at)} ${j.input_file}: ${Object.entries(j.stage_duration_ms)
      .map(([stage, ms]) => `${stage} ${formatMs(ms)}`)
      .join(', ')}`,
    parts: Object.entries(j.stage_duration_ms).map(([stage, ms]) => ({ value: ms, cls: stageClass(stage) })),
  }));
  drawBars('chart-duration', durations.items, { format: formatMs, labelEvery: durations.labelEvery });
  document
    .getElementById('legend-duration')
    .replaceChildren(
      ...stages.map((stage) => element('li', {}, element('span', { class: `swatch ${stageClass(stage)}` }), stage)),
    );
  const costs = jobBars(
    finished.filter((j) => j.estimated_cost_usd !== null),
    (j) => ({
      title: `${formatTime(j.finished_at)} ${j.input_file}: ${formatUsd(j.estimated_cost_usd)}`,
      parts: [{ value: j.estimated_cost_usd }],
    }),
  );
  drawBars('chart-cost', costs.items, { format: formatUsd, labelEvery: costs.labelEvery });

  fillTable('table-stages', Object.entries(m.stage_duration_ms), ([stage, s]) => [
    stage,
    { value: formatMs(s.latest) },
    { value: formatMs(s.count > 0 ? s.sum / s.count : 0) },
    { value: formatMs(s.sum) },
    { value: formatCount(s.count) },
  ]);
  fillTable('table-jobs', m.jobs.slice(0, CHARTED_JOBS), (j) => [
    formatTime(j.finished_at),
    j.input_file,
    j.data_source ?? '',
    badge(j.status),
    { value: formatCount(j.records_input) },
    { value: formatCount(j.records_processed) },
    { value: formatCount(j.records_quarantined) },
    { value: j.quality_score === null ? '–' : `${decimal.format(j.quality_score)} (${j.quality_grade})` },
    { value: orDash(j.duration_ms, formatMs) },
    reportLink(j.report_url),
  ]);
}

function reportLink(url) {
  // Only the server's own report route is linked.
  if (typeof url !== 'string' || !/^reports\/[A-Za-z0-9][A-Za-z0-9._-]*\.html$/.test(url)) return '–';
  return element('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, 'HTML');
}

function renderOperations(o) {
  setMetric('files_in_flight', formatCount(o.files_in_flight));
  setMetric('inbox_backlog', formatCount(o.inbox_backlog));
  setMetric('dlq_depth', formatCount(o.dlq_depth));
  setMetric('alerts', formatCount(o.alerts.length));
  fillTable('table-in-flight', o.in_flight, (j) => [
    formatTime(j.started_at),
    j.job_id,
    j.input_file,
    { value: formatCount(j.attempts) },
  ]);
  fillTable('table-backlog', o.backlog, (f) => [f.file, { value: formatCount(f.bytes) }]);
  fillTable('table-dlq', o.dead_letters, (l) => [
    formatTime(l.created_at),
    l.id,
    l.handler,
    { value: formatCount(l.attempts) },
    l.last_error_type ?? '',
  ]);
  fillTable('table-alerts', o.alerts, (a) => [
    formatTime(a.timestamp),
    badge(a.severity),
    a.title,
    a.summary,
    a.job_id ?? '',
    a.file ?? '',
    a.rule_id ?? '',
    a.deliveries.map((d) => `${d.channel} ${d.ok ? 'ok' : 'failed'} (${d.attempts})`).join(', '),
  ]);
  fillTable('table-reports', o.reports, (r) => [
    formatTime(r.finished_at),
    r.job_id,
    r.input_file,
    r.kind,
    badge(r.validation_status),
    { value: formatCount(r.records_input) },
    { value: formatCount(r.records_quarantined) },
    { value: r.quality_score === null ? '–' : `${decimal.format(r.quality_score)} (${r.quality_grade})` },
    reportLink(r.report_url),
  ]);
}

function showView() {
  const current = location.hash === '#operations' ? 'operations' : 'overview';
  for (const view of document.querySelectorAll('.view')) view.hidden = view.id !== `view-${current}`;
  for (const tab of document.querySelectorAll('.tab')) {
    if (tab.dataset.view === current) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return response.json();
}

async function refresh() {
  const status = document.getElementById('status');
  try {
    const [metrics, operations] = await Promise.all([getJson('api/metrics'), getJson('api/operations')]);
    renderOverview(metrics);
    renderOperations(operations);
    status.textContent = `updated ${formatTime(metrics.generated_at)}`;
    status.dataset.updated = metrics.generated_at;
    status.classList.remove('stale');
  } catch (error) {
    status.textContent = `update failed (${error instanceof Error ? error.message : 'unknown error'}); retrying`;
    status.classList.add('stale');
  } finally {
    setTimeout(refresh, POLL_MS);
  }
}

window.addEventListener('hashchange', showView);
showView();
void refresh();
