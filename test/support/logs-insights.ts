/**
 * The part of CloudWatch Logs Insights' query language the troubleshooting queries of
 * docs/monitoring.md use, run over log lines (each line one event's `@message`, oldest first).
 * Logs Insights is not emulated by moto or anything else on this machine, so this follows its
 * documented semantics for these commands only, and refuses any other:
 *
 * - `fields ...`: a projection; every event keeps its `@message`.
 * - `filter @message like /regex/`: events whose message the regular expression matches anywhere
 *   (case-sensitive, as in Logs Insights without `(?i)`).
 * - `parse @message "glob" as a, b`: each `*` of the glob captures (lazily) into the next name; the
 *   glob may match anywhere in the message; events it does not match keep no such field.
 * - `sort @timestamp desc`: newest first (the lines are in time order).
 * - `limit N`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT } from '../../infra/repo-paths.ts';

export type InsightsRow = Readonly<Record<string, string>>;

const QUERIES_HEADING = "#### The reference design's troubleshooting queries";

/** The two queries as docs/monitoring.md lists them (the code blocks under their heading), as users copy them. */
export async function troubleshootingQueries(): Promise<{ errorsQuery: string; glueQuery: string }> {
  const doc = await readFile(join(REPO_ROOT, 'docs/monitoring.md'), 'utf8');
  const start = doc.indexOf(QUERIES_HEADING);
  if (start < 0) throw new Error(`docs/monitoring.md has no "${QUERIES_HEADING}"`);
  const section = doc.slice(start, doc.indexOf('\n####', start + QUERIES_HEADING.length));
  const [errorsQuery, glueQuery, ...more] = [...section.matchAll(/```\n([\s\S]*?)```/g)].map(([, q]) => q ?? '');
  if (!errorsQuery || !glueQuery || more.length > 0) throw new Error('expected the two queries under their heading');
  return { errorsQuery, glueQuery };
}

const REGEX_LITERAL = /^\/(.+)\/$/;

export function runInsightsQuery(query: string, messages: readonly string[]): InsightsRow[] {
  let rows: InsightsRow[] = messages.map((message) => ({ '@message': message }));
  for (const command of query.split('|').map((c) => c.trim())) {
    const [verb = '', ...rest] = command.split(/\s+/);
    const argument = rest.join(' ');
    if (verb === 'fields') continue;
    if (verb === 'filter') {
      const [, literal = ''] = /^@message\s+like\s+(.+)$/.exec(argument) ?? [];
      const pattern = REGEX_LITERAL.exec(literal)?.[1];
      if (!pattern) throw new Error(`unsupported filter: ${argument}`);
      const regex = new RegExp(pattern);
      rows = rows.filter((row) => regex.test(row['@message'] ?? ''));
    } else if (verb === 'parse') {
      const [, glob = '', names = ''] = /^@message\s+"([^"]+)"\s+as\s+(.+)$/.exec(argument) ?? [];
      if (!glob) throw new Error(`unsupported parse: ${argument}`);
      const fields = names.split(',').map((n) => n.trim());
      const parts = glob.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      if (parts.length - 1 !== fields.length) throw new Error(`parse: ${fields.length} names for ${glob}`);
      const regex = new RegExp(parts.join('(.*?)'));
      rows = rows.map((row) => {
        const match = regex.exec(row['@message'] ?? '');
        return match ? { ...row, ...Object.fromEntries(fields.map((f, i) => [f, match[i + 1] ?? ''])) } : row;
      });
    } else if (verb === 'sort' && argument === '@timestamp desc') {
      rows = rows.reverse();
    } else if (verb === 'limit' && /^\d+$/.test(argument)) {
      rows = rows.slice(0, Number(argument));
    } else {
      throw new Error(`unsupported command: ${command}`);
    }
  }
  return rows;
}
