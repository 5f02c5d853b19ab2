import { z } from 'zod';
import { globToRegExp } from '../domain/glob.ts';
import { TIMELY_FILING_BASES } from '../domain/rule.ts';
import { ALL_ROW_RULE_IDS } from '../domain/tables/tables.ts';
import { alertsConfigSchema } from './alerts/alerts-config.ts';

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
      if (!ALL_ROW_RULE_IDS.has(id)) ctx.addIssue({ code: 'custom', path: [id], message: `unknown rule id '${id}'` });
    }
  });

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD');

const thresholdFields = {
  /** Quarantined share of a file above which the whole file is rejected. */
  error_rate: z.number().min(0).max(1),
  earliest_date: isoDate,
  amount_tolerance: z.number().min(0),
  timely_filing_days: z.number().int().positive(),
  /** What late_claim counts from claim_end_date up to: the claim's paid_date, or the run date. */
  timely_filing_basis: z.enum(TIMELY_FILING_BASES),
};

const sourceSchema = z
  .object({
    /** File-name globs (`*`, `?`) that select this source when --source is not given. */
    files: z.array(z.string()).default([]),
    data_source: z.string().min(1).optional(),
    /** The profile its files are read with instead of the detected one: a built-in's name, or a profile file relative to the config file. */
    profile: z.string().min(1).optional(),
    thresholds: z.object(thresholdFields).partial().strict().default({}),
    rules: ruleOverrides.default({}),
  })
  .strict();

/**
 * The default of `limits.max_columns`: the widest input measured to run within the default 1.2 GB
 * at any length (1,024 columns of 60,000 rows: 1.1 GB; 2,048 columns ran out of memory at 20,000
 * rows), about seven times the canonical model; see docs/BENCHMARKS.md, "Wide files".
 */
export const MAX_COLUMNS = 1024;

/** Bounds that keep a hostile or broken file from exhausting the machine (docs/configuration.md). */
const limitsSchema = z
  .object({
    /** A CSV record or NDJSON line longer than this (so any field in it) is quarantined as malformed_row. */
    max_record_bytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 ** 2)
      .default(1024 ** 2),
    /** A gzip file that inflates past this many bytes is rejected before the engine reads it. */
    max_decompressed_bytes: z
      .number()
      .int()
      .positive()
      .default(20 * 1024 ** 3),
    /** ... or past this many times its compressed size. */
    max_compression_ratio: z.number().positive().default(200),
    /** A file with more columns (CSV header fields, JSON keys) is rejected before its rows are read: memory grows with width. */
    max_columns: z.number().int().positive().default(MAX_COLUMNS),
  })
  .strict();

/** The config file (YAML or JSON). Every default of the pipeline's behaviour lives here. */
export const runConfigSchema = z
  .object({
    /** Reference-data folder laid out like ../shared/refdata; relative to the config file. */
    refdata: z.string().optional(),
    data_source: z.string().min(1).default('claimflow'),
    /** The canonical columns a published claim file carries: the file's own, or all (docs/output-layout.md). */
    published_layout: z.enum(['populated', 'canonical']).default('populated'),
    thresholds: z
      .object({
        error_rate: thresholdFields.error_rate.default(0.05),
        earliest_date: thresholdFields.earliest_date.default('1900-01-01'),
        amount_tolerance: thresholdFields.amount_tolerance.default(0.01),
        timely_filing_days: thresholdFields.timely_filing_days.default(365),
        timely_filing_basis: thresholdFields.timely_filing_basis.default('paid_date'),
      })
      .strict()
      .prefault({}),
    rules: ruleOverrides.default({}),
    sources: z.record(z.string(), sourceSchema).default({}),
    limits: limitsSchema.prefault({}),
    /** Alert channels, routes by severity, thresholds and retries (docs/alerts.md). */
    alerts: alertsConfigSchema.prefault({}),
    /** Key files (relative to the config file) of encryption at rest and pseudonymization (docs/security.md). */
    security: z
      .object({
        master_key_file: z.string().min(1).optional(),
        pseudonym_key_file: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type RunConfig = z.infer<typeof runConfigSchema>;
export type SourceConfig = z.infer<typeof sourceSchema>;
export type InputLimits = z.infer<typeof limitsSchema>;

/** The source a file belongs to: the named one, else the first whose globs match its name. */
export function selectSource(config: RunConfig, fileName: string, named?: string): [string, SourceConfig] | undefined {
  if (named) {
    const source = config.sources[named];
    return source ? [named, source] : undefined;
  }
  return Object.entries(config.sources).find(([, s]) => s.files.some((glob) => globToRegExp(glob, 'i').test(fileName)));
}
