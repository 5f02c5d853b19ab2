/** The earliest and latest of some YYYY-MM-DD dates (text order is date order); null when there is none. */
export function dateSpan(dates: ReadonlyArray<string | null | undefined>): [string | null, string | null] {
  let first: string | null = null;
  let last: string | null = null;
  for (const date of dates) {
    if (!date) continue;
    if (first === null || date < first) first = date;
    if (last === null || date > last) last = date;
  }
  return [first, last];
}
