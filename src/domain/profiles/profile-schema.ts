import { z } from 'zod';
import { normalizeHeaderName } from '../canonical-model.ts';
import { tableOfLayout } from '../tables/layout-table.ts';
import { tableColumnsOfKind } from '../tables/table-descriptor.ts';
import { TABLES } from '../tables/tables.ts';
import { NUMBER_FORMATS } from '../value-notation.ts';
import { type ColumnSource, DATE_FORMATS, type SourceProfile, splitColumnRef } from './source-profile.ts';

const TABLE_NAMES = TABLES.map((t) => t.name);
const name = z.string().min(1);
const columnSource = z.union(
  [
    name,
    z.strictObject({ value: z.string() }),
    z.strictObject({
      column: name,
      values: z.record(z.string(), z.string().nullable()).optional(),
      date_format: z.enum(DATE_FORMATS).optional(),
      number_format: z.enum(NUMBER_FORMATS).optional(),
      first_line_only: z.boolean().optional(),
    }),
  ],
  {
    error: `a column name, { value }, or { column, values?, date_format? (${DATE_FORMATS.join(', ')}), number_format? (${NUMBER_FORMATS.join(', ')}), first_line_only? }`,
  },
);

const companion = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _'),
  files: z.array(name).min(1),
  key: name,
  on: name,
  required: z.boolean().optional(),
});

/** Why a column source's `number_format` cannot apply, if it cannot. */
function numberFormatProblem(
  column: string,
  source: ColumnSource,
  summed: ReadonlySet<string>,
  decimals: ReadonlySet<string>,
): string | undefined {
  if (typeof source !== 'object' || !('column' in source) || !source.number_format) return undefined;
  if (!decimals.has(column)) return 'only for amount and quantity columns';
  // A merge sums its text as decimal point amounts before the columns are mapped.
  if (summed.has(normalizeHeaderName(source.column))) {
    return `${source.column} is summed by merge, which reads decimal point amounts`;
  }
  return undefined;
}

const layout = z
  .strictObject({
    id: name,
    role: z.enum(['claims', 'members', 'pharmacy', 'providers', 'reference']),
    table: z.enum(TABLE_NAMES).optional(),
    description: z.string().default(''),
    detect: z.strictObject({ headers: z.array(name).min(1) }),
    match_by_name: z.boolean().optional(),
    columns: z.record(z.string(), columnSource).optional(),
    code_systems: z.strictObject({ diagnosis: name.optional(), procedure: name.optional() }).optional(),
    where: z.strictObject({ column: name, in: z.array(z.string()).min(1) }).optional(),
    merge: z.strictObject({ key: name, segment: name, sum: z.array(name).optional() }).optional(),
    unpivot: z
      .strictObject({
        slots: z.number().int().min(1).max(100),
        columns: z.record(
          name,
          name.refine((t) => t.includes('{n}'), { message: 'a template needs {n}' }),
        ),
        filled: name,
      })
      .refine((u) => u.filled in u.columns, { message: 'filled must be one of the unpivot columns', path: ['filled'] })
      .optional(),
    companions: z.array(companion).optional(),
    never_carries: z.array(name).optional(),
  })
  .superRefine((l, ctx) => {
    const summed = new Set((l.merge?.sum ?? []).map(normalizeHeaderName));
    // Columns are those of the table the layout fills (medical_claim unless it names another).
    const table = tableOfLayout(l);
    const known = new Set(table.columns.map((c) => c.name));
    const decimals = new Set(tableColumnsOfKind(table.columns, 'amount', 'quantity'));
    const notCanonical = `not a canonical column of ${table.name} (see canonical-model.md)`;
    for (const [column, source] of Object.entries(l.columns ?? {})) {
      if (!known.has(column)) {
        ctx.addIssue({
          code: 'custom',
          path: ['columns', column],
          message: notCanonical,
        });
      }
      const problem = numberFormatProblem(column, source, summed, decimals);
      if (problem) ctx.addIssue({ code: 'custom', path: ['columns', column, 'number_format'], message: problem });
    }
    const mapped = new Set([...Object.keys(l.columns ?? {}), ...Object.keys(l.unpivot?.columns ?? {})]);
    (l.never_carries ?? []).forEach((column, i) => {
      const problem = !known.has(column) ? notCanonical : mapped.has(column) ? 'the layout maps it' : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: ['never_carries', i], message: `${column}: ${problem}` });
    });
    const companions = l.companions ?? [];
    companions.forEach((c, i) => {
      if (companions.findIndex((o) => o.name === c.name) !== i) {
        ctx.addIssue({
          code: 'custom',
          path: ['companions', i, 'name'],
          message: `companion ${c.name} is declared twice`,
        });
      }
      const joined = splitColumnRef(c.on, companions).companion;
      if (joined && companions.findIndex((o) => o.name === joined) >= i) {
        ctx.addIssue({
          code: 'custom',
          path: ['companions', i, 'on'],
          message: `${joined} is not joined before ${c.name}`,
        });
      }
    });
  });

/**
 * A custom profile file (YAML or JSON), checked before any claim file is read. Rule actions are
 * not part of a profile: set them per source in the config.
 */
export const profileFileSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _'),
  description: z.string().default(''),
  layouts: z.array(layout).min(1),
});

export function toSourceProfile(file: z.infer<typeof profileFileSchema>): SourceProfile {
  return { ...file, kind: 'tabular' };
}
