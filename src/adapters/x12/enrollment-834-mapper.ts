import type { CanonicalLine } from '../records/conversion-result.ts';
import type { X12Segment } from './x12-segment-reader.ts';
import { dependentPersonId, isoDate } from './x12-values.ts';

/** Receives each member (INS loop 2000) as its enrollment spans, one per health coverage (HD, loop 2300). */
export interface Enrollment834Sink {
  member(spans: CanonicalLine[]): void;
}

/** INS02 individual relationship codes (005010X220A1) to Tuva's subscriber_relation. */
const RELATIONSHIPS: Record<string, string> = { '18': 'self', '01': 'spouse', '19': 'child' };
const GENDERS: Record<string, string> = { M: 'male', F: 'female', U: 'unknown' };

interface MemberDraft {
  subscriber: boolean;
  relationship: string | null;
  subscriberId: string | null;
  groupId: string | null;
  lastName: string;
  firstName: string;
  birthDate: string | null;
  gender: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  /** DTP*356/357 at the member level (2000): the spans' dates when a coverage has none. */
  eligibility: { start: string | null; end: string | null };
  coverages: Array<{ plan: string | null; start: string | null; end: string | null }>;
  /** The NM1 loop the N3/N4/DMG segments belong to (only the member's own, IL, is read). */
  nameLoop: string | null;
}

/**
 * Reads ASC X12 005010X220A1 834 benefit enrollment transaction sets into eligibility spans:
 * the sponsor (N1*P5) and payer (N1*IN) of the header, then per member (INS) its subscriber id
 * (REF*0F), group (REF*1L), name, address and demographics (loop 2100A: NM1*IL, N3, N4, DMG),
 * member-level dates (DTP*356 eligibility begin, DTP*357 end) and one span per health
 * coverage (HD, with DTP*348 benefit begin and DTP*349 end). Other transaction sets are left
 * to the 837 mapper; segments the spans do not need are passed over.
 */
export class Enrollment834Mapper {
  private inTransaction = false;
  private sponsor: string | null = null;
  private payer: string | null = null;
  private member: MemberDraft | null = null;

  constructor(private readonly sink: Enrollment834Sink) {}

  handle(segment: X12Segment): void {
    const e = segment.elements;
    const id = e[0] ?? '';
    if (id === 'ST') {
      this.finishMember();
      this.inTransaction = e[1] === '834';
      this.sponsor = null;
      this.payer = null;
      return;
    }
    if (!this.inTransaction) return;
    if (id === 'SE' || id === 'GE' || id === 'IEA' || id === 'ISA') {
      this.finishMember();
      this.inTransaction = false;
      return;
    }
    if (id === 'INS') {
      this.finishMember();
      this.member = newMember(e);
      return;
    }
    const member = this.member;
    if (!member) {
      if (id === 'N1' && e[1] === 'P5') this.sponsor = e[2] || null;
      if (id === 'N1' && e[1] === 'IN') this.payer = e[2] || null;
      return;
    }
    handleMemberSegment(member, id, e);
  }

  /** The file has ended: a member still open is written with what was read. */
  end(): void {
    this.finishMember();
    this.inTransaction = false;
  }

  private finishMember(): void {
    const member = this.member;
    this.member = null;
    if (!member) return;
    const subscriberId = member.subscriberId;
    const personId = member.subscriber || !subscriberId ? subscriberId : dependentPersonId(subscriberId, member);
    const common: CanonicalLine = {
      person_id: personId,
      member_id: personId,
      subscriber_id: subscriberId,
      subscriber_relation: member.relationship,
      first_name: member.firstName || null,
      last_name: member.lastName || null,
      birth_date: member.birthDate,
      gender: member.gender,
      address: member.address,
      city: member.city,
      state: member.state,
      zip_code: member.zip,
      payer: this.payer,
      group_id: member.groupId,
      group_name: this.sponsor,
    };
    const coverages = member.coverages.length > 0 ? member.coverages : [{ plan: null, start: null, end: null }];
    this.sink.member(
      coverages.map((c) => ({
        ...common,
        plan: c.plan,
        enrollment_start_date: c.start ?? member.eligibility.start,
        enrollment_end_date: c.end ?? member.eligibility.end,
      })),
    );
  }
}

function newMember(e: readonly string[]): MemberDraft {
  const relationship = e[2] ?? '';
  return {
    subscriber: e[1] === 'Y',
    relationship: RELATIONSHIPS[relationship] ?? (relationship || null),
    subscriberId: null,
    groupId: null,
    lastName: '',
    firstName: '',
    birthDate: null,
    gender: null,
    address: null,
    city: null,
    state: null,
    zip: null,
    eligibility: { start: null, end: null },
    coverages: [],
    nameLoop: null,
  };
}

function handleMemberSegment(member: MemberDraft, id: string, e: readonly string[]): void {
  const coverage = member.coverages.at(-1);
  switch (id) {
    case 'REF':
      if (e[1] === '0F') member.subscriberId = e[2] || null;
      if (e[1] === '1L') member.groupId = e[2] || null;
      return;
    case 'DTP': {
      const date = e[2] === 'D8' ? isoDate(e[3] ?? '') : null;
      if (coverage && e[1] === '348') coverage.start = date;
      else if (coverage && e[1] === '349') coverage.end = date;
      else if (!coverage && e[1] === '356') member.eligibility.start = date;
      else if (!coverage && e[1] === '357') member.eligibility.end = date;
      return;
    }
    case 'NM1':
      member.nameLoop = e[1] ?? null;
      if (e[1] === 'IL') {
        member.lastName = e[3] ?? '';
        member.firstName = e[4] ?? '';
      }
      return;
    case 'N3':
      if (member.nameLoop === 'IL') member.address = e[1] || null;
      return;
    case 'N4':
      if (member.nameLoop === 'IL') {
        member.city = e[1] || null;
        member.state = e[2] || null;
        member.zip = e[3] || null;
      }
      return;
    case 'DMG':
      if (member.nameLoop === 'IL') {
        member.birthDate = e[1] === 'D8' ? isoDate(e[2] ?? '') : null;
        member.gender = GENDERS[e[3] ?? ''] ?? (e[3] || null);
      }
      return;
    case 'HD':
      // HD04 the plan coverage description, else HD03 the insurance line (HLT, DEN, VIS...).
      member.coverages.push({ plan: e[4] || e[3] || null, start: null, end: null });
      member.nameLoop = null;
      return;
  }
}
