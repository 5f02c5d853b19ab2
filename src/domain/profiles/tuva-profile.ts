import { CANONICAL_COLUMNS } from '../canonical-model.ts';
import type { Companion, SourceProfile } from './source-profile.ts';

/** Tuva's medical_claim is the canonical model without our two demographic additions. */
const MEDICAL_CLAIM_COLUMNS = CANONICAL_COLUMNS.map((c) => c.name).filter((c) => c !== 'birth_date' && c !== 'gender');

/** Eligibility beside a claim file gives each line its member's birth date and gender. */
const ELIGIBILITY: Companion = {
  name: 'eligibility',
  files: ['*eligibility*.csv', '*eligibility*.csv.gz'],
  key: 'person_id',
  on: 'person_id',
};

/** The Tuva Project input layer: medical_claim, pharmacy_claim and eligibility. */
export const TUVA_PROFILE: SourceProfile = {
  name: 'tuva',
  description: 'Tuva Project input layer files: medical_claim, pharmacy_claim and eligibility.',
  kind: 'tabular',
  layouts: [
    {
      id: 'medical_claim',
      role: 'claims',
      description:
        'Tuva medical_claim (every column of the input layer); birth_date and gender from an eligibility file beside it.',
      detect: { headers: MEDICAL_CLAIM_COLUMNS },
      match_by_name: true,
      companions: [ELIGIBILITY],
      columns: { birth_date: 'eligibility.birth_date', gender: 'eligibility.gender' },
    },
    {
      id: 'pharmacy_claim',
      role: 'pharmacy',
      table: 'pharmacy_claim',
      description: 'Tuva pharmacy_claim: every column of the input layer, published to pharmacy_claim.',
      detect: { headers: ['claim_id', 'claim_line_number', 'person_id', 'dispensing_date', 'ndc_code'] },
      match_by_name: true,
    },
    {
      id: 'eligibility',
      role: 'members',
      table: 'eligibility',
      description:
        'Tuva eligibility: one row per enrollment span, published to eligibility (and read beside medical claims as their companion).',
      detect: { headers: ['person_id', 'birth_date', 'gender', 'enrollment_start_date', 'enrollment_end_date'] },
      match_by_name: true,
    },
  ],
};
