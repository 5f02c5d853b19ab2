import { z } from 'zod';

/** CLI flags, parsed once at the edge; defaults live here only. */
export const runFlagsSchema = z.object({
  root: z.string().min(1).default('./claimflow-data'),
  json: z.boolean().default(false),
  dataSource: z.string().min(1).default('claimflow'),
  errorThreshold: z.coerce.number().min(0).max(1).default(0.05),
  runDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'use YYYY-MM-DD')
    .optional(),
  memoryLimit: z.string().default('2GB'),
  threads: z.coerce.number().int().positive().optional(),
  verbose: z.boolean().default(false),
});
export type RunFlags = z.infer<typeof runFlagsSchema>;

export const generateFlagsSchema = z.object({
  rows: z.coerce.number().int().positive(),
  out: z.string().min(1),
  seed: z.coerce.number().int().default(42),
  defectRate: z.coerce.number().min(0).max(1).default(0.02),
  format: z.enum(['csv', 'ndjson', 'json']).default('csv'),
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/, 'use YYYY-MM')
    .default('2025-10'),
});
export type GenerateFlags = z.infer<typeof generateFlagsSchema>;

export const queryFlagsSchema = z.object({
  root: z.string().min(1).default('./claimflow-data'),
  format: z.enum(['table', 'json', 'csv']).default('table'),
});
export type QueryFlags = z.infer<typeof queryFlagsSchema>;
