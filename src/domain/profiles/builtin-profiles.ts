import { CMS_SYNPUF_PROFILE } from './cms-synpuf-profile.ts';
import { NPPES_PROFILE } from './nppes-profile.ts';
import { FHIR_EOB_PROFILE, X12_837_PROFILE } from './record-profiles.ts';
import type { SourceProfile } from './source-profile.ts';
import { STANDARD_PROFILE } from './standard-profile.ts';
import { SYNTHEA_PROFILE } from './synthea-profile.ts';
import { TUVA_PROFILE } from './tuva-profile.ts';

/** Every built-in profile; on equal detection scores the earlier one wins, so `standard` comes last. */
export const BUILTIN_PROFILES: readonly SourceProfile[] = [
  X12_837_PROFILE,
  FHIR_EOB_PROFILE,
  TUVA_PROFILE,
  CMS_SYNPUF_PROFILE,
  SYNTHEA_PROFILE,
  NPPES_PROFILE,
  STANDARD_PROFILE,
];

export function findBuiltinProfile(name: string): SourceProfile | undefined {
  return BUILTIN_PROFILES.find((p) => p.name === name);
}
