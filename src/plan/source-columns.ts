/**
 * The name a file's column goes by inside an engine: its position among the file's columns
 * (`col_1`, `col_2`, ...), never its name in the file. A header or a key may hold any text: a name
 * the pipeline gives a column of its own (`_row_number`, `_raw_line`, `file_row_number`), or
 * `payer` beside `Payer`, which SQL identifiers do not tell apart. Read by position, every column
 * of the file is data, and none meets another or an internal one. No internal column is named
 * `col_<n>`.
 */
export function positionalColumn(index: number): string {
  return `col_${index + 1}`;
}

/** The positional column of each of `names` (distinct, as `headColumns` and the ingest give them), by name. */
export function positionalColumns(names: readonly string[]): ReadonlyMap<string, string> {
  return new Map(names.map((name, i) => [name, positionalColumn(i)]));
}

/** `name`'s positional column; throws for a name not among the file's columns (a bug, not bad input). */
export function positionalColumnOf(columns: ReadonlyMap<string, string>, name: string): string {
  const column = columns.get(name);
  if (column === undefined) throw new Error(`no source column ${JSON.stringify(name)}`);
  return column;
}
