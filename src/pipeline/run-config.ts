import { z } from 'zod';
import { globToRegExp } from '../domain/glob.ts';
import { ROW_RULES } from '../domain/rule-catalog.ts';
import { alertsConfigSchema } from './alerts/alerts-config.ts';

const ROW_RULE_IDS = new Set(ROW_RULES.map((r) => r.id));

const ruleOverrides = z
  .record(
    z.string(),
    z
      .object({
        action: z.enum(['quarantine', 'warn', 'halt']).optional(),
        severity: z.enum(['critical', 'high', 'medium', 'low']).optional(),
        enabled: z.boolean().optional(),
      })
      .strict(),
  )
  .superRefine((rules, ctx) => {
    for (const id of Object.keys(rules)) {
      if (!ROW_RULE_IDS.has(id)) ctx.addIssue({ code: 'custom', path: [id], message: `unknown rule id '${id}'` });
    }
  });

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD');

const thresholdFields = {
  /** Quarantined share of a file above which the whole file is rejected. */
  error_rate: z.number().min(0).max(1),
  earliest_date: isoDate,
  amount_tolerance: z.number().min(0),
  timely_filing_days: z.number().int().positive(),
};

const sourceSchema = z
  .object({
    /** File-name globs (`*`, `?`) that select this source when --source is not given. */
    files: z.array(z.string()).default([]),
    data_source: z.string().min(1).optional(),
    thresholds: z.object(thresholdFields).partial().strict().default({}),
    rules: ruleOverrides.default({}),
  })
  .strict();

/** The config file (YAML or JSON). Every default of the pipeline's behaviour lives here. */
export const runConfigSchema = z
  .object({
    /** Reference-data folder laid out like ../shared/refdata; relative to the config file. */
    refdata: z.string().optional(),
    data_source: z.string().min(1).default('claimflow'),
    thresholds: z
      .object({
        error_rate: thresholdFields.error_rate.default(0.05),
        earliest_date: thresholdFields.earliest_date.default('1900-01-01'),
        amount_tolerance: thresholdFields.amount_tolerance.default(0.01),
        timely_filing_days: thresholdFields.timely_filing_days.default(365),
      })
      .strict()
      .default({ error_rate: 0.05, earliest_date: '1900-01-01', amount_tolerance: 0.01, timely_filing_days: 365 }),
    rules: ruleOverrides.default({}),
    sources: z.record(z.string(), sourceSchema).default({}),
    /** Alert channels, routes by severity, thresholds and retries (docs/alerts.md). */
    alerts: alertsConfigSchema.prefault({}),
  })
  .strict();

export type RunConfig = z.infer<typeof runConfigSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;

/** The source a file belongs to: the named one, else the first whose globs match its name. */
export function selectSource(config: RunConfig, fileName: string, named?: string): [string, SourceConfig] | undefined {
  if (named) {
    const source = config.sources[named];
    return source ? [named, source] : undefined;
  }
  return Object.entries(config.sources).find(([, s]) => s.files.some((glob) => globToRegExp(glob, 'i').test(fileName)));
}
