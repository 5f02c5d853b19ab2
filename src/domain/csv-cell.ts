/** Characters that make a spreadsheet read a cell as a formula (or hide one behind a control character). */
const FORMULA_START = /^[=+\-@\t\r]/;
/** A plain number, such as `-12.50` or `+3e5`: a spreadsheet reads it as a number, not a formula. */
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A text cell as it is safe to write into a CSV someone may open in a spreadsheet (OWASP, CSV
 * injection): one starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'`, so it is shown as
 * text instead of run as a formula. Plain numbers are left alone.
 */
export function neutralizeCsvCell(cell: string): string {
  return FORMULA_START.test(cell) && !PLAIN_NUMBER.test(cell) ? `'${cell}` : cell;
}
