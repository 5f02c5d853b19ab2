import { normalizeHeaderName, REQUIRED_COLUMNS } from '../domain/canonical-model.ts';
import type { ProfileKind, SourceLayout, SourceProfile } from '../domain/profiles/source-profile.ts';

/** How a file's profile was chosen: `--profile`, its config source's `profile`, or its content. */
export type ProfileSelectedBy = 'flag' | 'source' | 'detection';

/** Which profiles a file may take: `--profile` or the file's source forces one, otherwise the catalog is tried. */
export interface ProfileChoice {
  readonly catalog: readonly SourceProfile[];
  readonly forced: SourceProfile | null;
  /** What forced it (default `flag`). */
  readonly forcedBy?: Exclude<ProfileSelectedBy, 'detection'>;
}

/** A layout tried on a file: its score when it fits (the number of its columns found), else what it lacks. */
export interface LayoutCandidate {
  readonly profile: string;
  readonly layout: string;
  readonly score: number;
  readonly missing: readonly string[];
}

export type ProfileSelection =
  | {
      readonly ok: true;
      readonly profile: SourceProfile;
      readonly layout: SourceLayout;
      readonly score: number;
      readonly selectedBy: ProfileSelectedBy;
      readonly tried: readonly LayoutCandidate[];
    }
  | { readonly ok: false; readonly reason: string; readonly tried: readonly LayoutCandidate[] };

export interface FileSample {
  /** The record format the content shows (`recordKindOf`), if any. */
  readonly recordKind: RecordKind | null;
  /** The file's column names: the CSV header, or every key of the JSON records. */
  readonly columns: readonly string[];
}

export type RecordKind = Exclude<ProfileKind, 'tabular'>;

/** A record format recognised by content outranks any header match. */
const RECORD_SCORE = 1000;
const RECORD_NEEDS: Readonly<Record<RecordKind, string>> = {
  x12: 'an X12 interchange (ISA segment first)',
  fhir: 'FHIR Bundle, ExplanationOfBenefit or Claim resources',
};

/**
 * Picks the source profile and layout of a file from its content: an X12 envelope or FHIR
 * resources first, then the header names (CSV) or record keys (JSON) each layout requires. The
 * best score wins; on a tie the earlier profile in the catalog. No fit rejects the file with
 * what was tried.
 */
export function selectProfile(file: FileSample, choice: ProfileChoice): ProfileSelection {
  const { recordKind } = file;
  const present = new Set(file.columns.map(normalizeHeaderName));
  const profiles = choice.forced ? [choice.forced] : choice.catalog;
  const tried: Array<LayoutCandidate & { fit?: { profile: SourceProfile; layout: SourceLayout } }> = [];
  for (const profile of profiles) {
    for (const layout of profile.layouts) {
      const missing =
        profile.kind === 'tabular'
          ? recordKind
            ? [`a header (this is ${RECORD_NEEDS[recordKind]})`]
            : layout.detect.headers.filter((h) => !present.has(normalizeHeaderName(h)))
          : recordKind === profile.kind
            ? []
            : [RECORD_NEEDS[profile.kind]];
      const score = missing.length > 0 ? 0 : profile.kind === 'tabular' ? layout.detect.headers.length : RECORD_SCORE;
      tried.push({
        profile: profile.name,
        layout: layout.id,
        score,
        missing,
        fit: score > 0 ? { profile, layout } : undefined,
      });
    }
  }
  const candidates = tried.map(({ fit: _, ...candidate }) => candidate);
  const best = tried.reduce<(typeof tried)[number] | undefined>(
    (b, c) => (c.score > (b?.score ?? 0) ? c : b),
    undefined,
  );
  if (best?.fit) {
    return {
      ok: true,
      ...best.fit,
      score: best.score,
      selectedBy: choice.forced ? (choice.forcedBy ?? 'flag') : 'detection',
      tried: candidates,
    };
  }
  return { ok: false, reason: describeNoFit(present, candidates, choice.forced), tried: candidates };
}

/** "the header lacks ..." (the canonical columns), then each profile tried with its closest layout. */
function describeNoFit(
  present: ReadonlySet<string>,
  tried: readonly LayoutCandidate[],
  forced: SourceProfile | null,
): string {
  const lacking = REQUIRED_COLUMNS.filter((c) => !present.has(c));
  const closest = new Map<string, LayoutCandidate>();
  for (const t of tried) {
    const best = closest.get(t.profile);
    if (!best || t.missing.length < best.missing.length) closest.set(t.profile, t);
  }
  const attempts = [...closest.values()].map((t) => `${t.profile}/${t.layout} lacks ${describeMissing(t.missing)}`);
  const lead = forced
    ? `the ${forced.name} profile does not fit`
    : lacking.length > 0
      ? `the header lacks ${lacking.join(', ')}`
      : 'no source profile fits';
  return `${lead} (tried ${tried.length} layout(s); closest of each profile: ${attempts.join('; ')})`;
}

function describeMissing(missing: readonly string[]): string {
  const shown = missing.slice(0, 3).join(', ');
  return missing.length > 3 ? `${shown} and ${missing.length - 3} more` : shown;
}

/** X12 by its ISA envelope; FHIR by claim resources (a Bundle, cut by the head, is recognised by name anywhere in it). */
export function recordKindOf(head: Buffer): RecordKind | null {
  const text = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('ISA')) return 'x12';
  const json = text.startsWith('{') || text.startsWith('[');
  return json && /"resourceType"\s*:\s*"(Bundle|ExplanationOfBenefit|Claim)"/.test(text) ? 'fhir' : null;
}
