import { REQUIRED_COLUMNS } from '../canonical-model.ts';
import type { SourceProfile } from './source-profile.ts';

/** The canonical layout itself (Tuva input-layer names), as CSV, JSON or NDJSON. */
export const STANDARD_PROFILE: SourceProfile = {
  name: 'standard',
  description: 'Canonical claim lines: every column named as in the canonical model (CSV, JSON or NDJSON).',
  kind: 'tabular',
  layouts: [
    {
      id: 'claim_lines',
      role: 'claims',
      description: 'One canonical claim line per row; source names match canonical names.',
      detect: { headers: REQUIRED_COLUMNS },
      match_by_name: true,
    },
  ],
};
