/** Monthly aggregations published beside the claims; each is a GROUP BY over one month of lines. */
export interface Aggregation {
  readonly name: string;
  readonly description: string;
  readonly groupBy: readonly string[];
}

/** Measures every aggregation carries. */
export const AGGREGATE_MEASURES: ReadonlyArray<readonly [string, string]> = [
  ['line_count', 'COUNT(*)'],
  ['claim_count', 'COUNT(DISTINCT claim_id)'],
  ['member_count', 'COUNT(DISTINCT person_id)'],
  ['charge_amount', 'SUM(charge_amount)'],
  ['allowed_amount', 'SUM(allowed_amount)'],
  ['paid_amount', 'SUM(paid_amount)'],
];

export const AGGREGATIONS: readonly Aggregation[] = [
  {
    name: 'monthly_by_payer_claim_type',
    description: 'Lines, claims, distinct members and amounts per month, payer and claim type.',
    groupBy: ['payer', 'claim_type'],
  },
  {
    name: 'monthly_by_rendering_provider',
    description: 'Lines, claims, distinct members and amounts per month and rendering NPI.',
    groupBy: ['rendering_npi'],
  },
];
