import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openAuditTrail } from '../adapters/audit/audit-trail.ts';
import { DuckDbWarehouse } from '../adapters/duckdb/duckdb-warehouse.ts';
import { neutralizeCsvCell } from '../domain/csv-cell.ts';
import { UsageError } from '../domain/errors.ts';
import type { QueryFlags } from './options.ts';

export async function queryCommand(sql: string, flags: QueryFlags): Promise<number> {
  const root = resolve(flags.root);
  if (!existsSync(root)) throw new UsageError(`--root ${flags.root}: no such folder (run claimflow run first)`);
  let rows: Record<string, unknown>[];
  try {
    rows = await new DuckDbWarehouse(root).query(sql);
  } catch (error) {
    // A query that does not parse or bind is the user's to fix, not a system failure.
    throw new UsageError(`query failed: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  // The SQL is not recorded: its literals may be claim values.
  await openAuditTrail(root, 'query').record('read', 'warehouse.duckdb');
  process.stdout.write(formatRows(rows, flags.format));
  return 0;
}

const show = (v: unknown): string =>
  v === null || v === undefined
    ? ''
    : v instanceof Date
      ? v.toISOString().slice(0, 10)
      : typeof v === 'object'
        ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x))
        : String(v);

function formatRows(rows: Record<string, unknown>[], format: QueryFlags['format']): string {
  if (format === 'json') return `${JSON.stringify(rows, (_k, v) => (typeof v === 'bigint' ? Number(v) : v), 2)}\n`;
  const columns = Object.keys(rows[0] ?? {});
  const cells = rows.map((r) => columns.map((c) => show(r[c])));
  if (format === 'csv') {
    // Values come from claim files: a spreadsheet must not run one as a formula.
    const quote = (raw: string): string => {
      const s = neutralizeCsvCell(raw);
      return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
    };
    return `${[columns, ...cells].map((line) => line.map(quote).join(',')).join('\n')}\n`;
  }
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((line) => (line[i] ?? '').length)));
  const fmt = (line: string[]): string =>
    line
      .map((s, i) => s.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[fmt(columns), fmt(widths.map((w) => '-'.repeat(w))), ...cells.map(fmt)].join('\n')}\n(${rows.length} row${rows.length === 1 ? '' : 's'})\n`;
}
