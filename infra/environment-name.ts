import { z } from 'zod';

/** The three environments; kept apart from their settings so the CLI can parse flags without loading the CDK. */
export const environmentNameSchema = z.enum(['dev', 'staging', 'prod']);
export type EnvironmentName = z.infer<typeof environmentNameSchema>;
