import { createHash } from 'node:crypto';
import { basename, resolve } from 'node:path';

/**
 * A stable name for everything one input path produces. Outputs are named by it, so running
 * the same path again replaces its earlier rows instead of adding to them.
 */
export function sourceKeyOf(path: string): string {
  const name = basename(path)
    .replace(/\.gz$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 80);
  const digest = createHash('sha256').update(resolve(path)).digest('hex').slice(0, 10);
  return `${name}-${digest}`;
}

/** The source key of a record file's job for one more table (its claims of that table): apart from the first job's. */
export function tableSourceKey(sourceKey: string, table: string): string {
  return `${sourceKey}.${table}`;
}
