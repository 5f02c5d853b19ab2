/** The report's one stylesheet, inlined so the page needs no external asset. */
export const STYLES = `
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
