/** The `YYYY-MM` of a key under a `year=YYYY/month=MM/` partition, or `unknown`. */
export function monthOf(key: string): string {
  const match = /year=(\d{4})\/month=(\d{2})/.exec(key);
  return match ? `${match[1]}-${match[2]}` : 'unknown';
}

/** `text` matched literally inside a regular expression (a source key holds dots). */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
