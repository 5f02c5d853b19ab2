import { neutralizeCsvCell } from '../domain/csv-cell.ts';

/** Writes text to stdout, waiting while its buffer is full; resolves at once when the reader has gone. */
export type Out = (text: string) => Promise<void>;

export const writeStdout: Out = (text) =>
  new Promise((resolve) => {
    const stdout = process.stdout;
    if (stdout.destroyed || stdout.write(text)) {
      resolve();
      return;
    }
    const done = (): void => {
      stdout.off('drain', done);
      stdout.off('close', done);
      resolve();
    };
    stdout.on('drain', done);
    stdout.on('close', done);
  });

const withoutBigints = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? Number(value) : value);

/** A cell as text: DuckDB's own text for scalars (given by the engine), JSON for lists and structs. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value, withoutBigints) : String(value);
}

/** CSV: a header, then every row as it arrives; cells a spreadsheet would run as formulas are neutralised. */
export async function writeCsv(
  columns: readonly string[],
  chunks: AsyncIterable<unknown[][]>,
  out: Out,
): Promise<void> {
  // Values come from claim files: a spreadsheet must not run one as a formula.
  const quote = (raw: string): string => {
    const s = neutralizeCsvCell(raw);
    return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  await out(`${columns.map(quote).join(',')}\n`);
  for await (const rows of chunks)
    await out(rows.map((row) => `${row.map((v) => quote(cellText(v))).join(',')}\n`).join(''));
}

/** A JSON array of row objects, written row by row. */
export async function writeJson(
  columns: readonly string[],
  chunks: AsyncIterable<unknown[][]>,
  out: Out,
): Promise<void> {
  let first = true;
  await out('[');
  for await (const rows of chunks) {
    const text = rows.map((row) => {
      const object = Object.fromEntries(columns.map((c, i) => [c, row[i]]));
      const item = `${first ? '' : ','}\n  ${JSON.stringify(object, withoutBigints, 2).replaceAll('\n', '\n  ')}`;
      first = false;
      return item;
    });
    await out(text.join(''));
  }
  await out(first ? ']\n' : '\n]\n');
}

/** How much of a result the table shows; 0 means no limit. */
export interface TableLimits {
  readonly maxRows: number;
  readonly maxWidth: number;
}

const GAP = '  ';
const ELLIPSIS = '…';

/**
 * An aligned table like DuckDB's CLI: past `maxRows`, the first and last halves are kept (only
 * they are held in memory) with a `·` line between; past `maxWidth`, middle columns give way to
 * a `…` column, keeping the first and last. The footer says what was left out.
 */
export async function writeTable(
  columns: readonly string[],
  chunks: AsyncIterable<unknown[][]>,
  limits: TableLimits,
  out: Out,
): Promise<void> {
  const half = Math.ceil(limits.maxRows / 2);
  const head: string[][] = [];
  let tail: string[][] = [];
  let total = 0;
  for await (const rows of chunks)
    for (const row of rows) {
      total++;
      const cells = row.map(cellText);
      if (limits.maxRows === 0 || head.length < half) head.push(cells);
      else {
        tail.push(cells);
        // Trimmed in batches, so that keeping the last rows costs no copy per row.
        if (tail.length >= 2 * limits.maxRows) tail = tail.slice(-(limits.maxRows - half));
      }
    }
  if (limits.maxRows > 0) tail = tail.slice(-(limits.maxRows - half));
  const elided = total > head.length + tail.length;
  const body = [...head, ...(elided ? [] : tail)];
  const widthOf = (i: number): number =>
    [columns[i] ?? '', ...head.map((r) => r[i] ?? ''), ...tail.map((r) => r[i] ?? '')].reduce(
      (max, s) => Math.max(max, s.length),
      0,
    );
  const shown = visibleColumns(
    columns.map((_, i) => widthOf(i)),
    limits.maxWidth,
  );
  const line = (cells: readonly string[]): string =>
    shown
      .map(({ index, width }) => (index === -1 ? ELLIPSIS : (cells[index] ?? '')).padEnd(width))
      .join(GAP)
      .trimEnd();
  const dots = shown.map(({ width }) => '·'.padEnd(width)).join(GAP);
  const lines = [
    line(columns),
    shown.map(({ width }) => '-'.repeat(width)).join(GAP),
    ...body.map(line),
    ...(elided ? [dots.trimEnd(), ...tail.map(line)] : []),
  ];
  const rowsNote = `${total} row${total === 1 ? '' : 's'}${elided ? `, ${head.length + tail.length} shown; --max-rows 0 or --format csv for all` : ''}`;
  const shownColumns = shown.filter((c) => c.index !== -1).length;
  const columnsNote =
    shownColumns < columns.length ? `; ${columns.length} columns, ${shownColumns} shown; --max-width 0 for all` : '';
  await out(`${lines.join('\n')}\n(${rowsNote}${columnsNote})\n`);
}

/**
 * The columns that fit in `maxWidth`, taken alternately from the left and the right, with a
 * one-character `…` column (index -1) where the others were left out.
 */
function visibleColumns(widths: readonly number[], maxWidth: number): Array<{ index: number; width: number }> {
  const all = widths.map((width, index) => ({ index, width }));
  const total = widths.reduce((sum, w) => sum + w, 0) + GAP.length * Math.max(0, widths.length - 1);
  if (maxWidth === 0 || total <= maxWidth) return all;
  const left: typeof all = [];
  const right: typeof all = [];
  let used = ELLIPSIS.length;
  for (let l = 0, r = all.length - 1, fromLeft = true; l <= r; fromLeft = !fromLeft) {
    const next = fromLeft ? all[l] : all[r];
    if (!next || used + GAP.length + next.width > maxWidth) break;
    used += GAP.length + next.width;
    if (fromLeft) {
      left.push(next);
      l++;
    } else {
      right.unshift(next);
      r--;
    }
  }
  return [...left, { index: -1, width: ELLIPSIS.length }, ...right];
}
