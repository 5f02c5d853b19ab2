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

/** One locale, so a report reads the same whichever machine wrote it. */
const NUMBER_FORMAT = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return NUMBER_FORMAT.format(n);
}

export function formatPercent(part: number, whole: number): string {
  return whole === 0 ? '0%' : `${((100 * part) / whole).toFixed(1)}%`;
}
