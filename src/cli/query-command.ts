import { openAuditTrail } from '../adapters/audit/audit-trail.ts';
import { DuckDbWarehouse } from '../adapters/duckdb/duckdb-warehouse.ts';
import { UsageError } from '../domain/errors.ts';
import type { QueryFlags } from './options.ts';
import { writeCsv, writeJson, writeStdout, writeTable } from './query-output.ts';
import { readerRoot } from './reader-root.ts';

/** `claimflow query`: one statement against the warehouse, its rows streamed to stdout. */
export async function queryCommand(sql: string, flags: QueryFlags): Promise<number> {
  const root = readerRoot(flags.root);
  try {
    await new DuckDbWarehouse(root).stream(sql, flags.format === 'json' ? 'js' : 'text', (columns, chunks) => {
      if (flags.format === 'json') return writeJson(columns, chunks, writeStdout);
      if (flags.format === 'csv') return writeCsv(columns, chunks, writeStdout);
      // On a terminal the table fits its width, as DuckDB's CLI does; piped, it is as wide as it needs.
      const maxWidth = flags.maxWidth ?? (process.stdout.isTTY ? process.stdout.columns : 0);
      return writeTable(columns, chunks, { maxRows: flags.maxRows, maxWidth }, writeStdout);
    });
  } catch (error) {
    // A query that does not parse or bind is the user's to fix, not a system failure.
    throw new UsageError(`query failed: ${engineAdvice((error as Error).message)}`, { cause: error });
  }
  // The SQL is not recorded: its literals may be claim values.
  await openAuditTrail(root, 'query').record('read', 'warehouse.duckdb');
  return 0;
}

/**
 * The engine's message up to where it repeats the statement (`LINE 1: ...`), which keeps its
 * advice (`Did you mean "abs"?`, the candidate bindings) on the lines after the first.
 */
function engineAdvice(message: string): string {
  const lines = message.split('\n');
  const stop = lines.findIndex((l) => /^LINE \d+:/.test(l));
  return (stop === -1 ? lines : lines.slice(0, stop))
    .map((l) => l.trimEnd())
    .filter(Boolean)
    .join('\n');
}
