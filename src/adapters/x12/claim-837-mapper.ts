import type { CanonicalLine, ConversionError } from '../records/conversion-result.ts';
import { dateSpan } from '../records/date-span.ts';
import type { X12Delimiters, X12Segment } from './x12-segment-reader.ts';
import { dependentPersonId, isoDate } from './x12-values.ts';

/** Receives each complete claim (its fields and its lines' fields, in file order) and each structural error. */
export interface Claim837Sink {
  claim(claim: CanonicalLine, lines: CanonicalLine[]): void;
  error(error: ConversionError): void;
}

/** Where in the 837 hierarchy the last segment was (the loops that matter for mapping). */
type Loop = 'header' | 'billing' | 'subscriber' | 'patient' | 'claim' | 'other-payer' | 'line';

interface Person {
  id: string | null;
  lastName: string;
  firstName: string;
  birthDate: string | null;
  gender: string | null;
}

interface ClaimDraft {
  readonly position: number;
  readonly values: CanonicalLine;
  readonly lines: LineDraft[];
  readonly diagnoses: string[];
  readonly poa: string[];
  readonly procedures: Array<{ code: string; date: string | null }>;
  rendering: string | null;
  attending: string | null;
  facility: string | null;
  error: ConversionError | null;
}

interface LineDraft {
  readonly position: number;
  readonly values: CanonicalLine;
  hasService: boolean;
}

const SEGMENT_ID = /^[A-Z][A-Z0-9]{1,2}$/;
const ENVELOPE = new Set(['ISA', 'GS', 'GE', 'IEA', 'TA1']);
/** Some senders declare one component separator in ISA16 and write another (a TR3 example declares `:`, writes `>`). */
const STRAY_COMPONENT = /^[A-Z0-9]{1,3}([>:^|!\\])/;
const DIAGNOSIS_TYPES: Record<string, { type: string; principal: boolean }> = {
  ABK: { type: 'icd-10-cm', principal: true },
  ABF: { type: 'icd-10-cm', principal: false },
  BK: { type: 'icd-9-cm', principal: true },
  BF: { type: 'icd-9-cm', principal: false },
};
const PROCEDURE_TYPES: Record<string, { type: string; principal: boolean }> = {
  BBR: { type: 'icd-10-pcs', principal: true },
  BBQ: { type: 'icd-10-pcs', principal: false },
  BR: { type: 'icd-9-pcs', principal: true },
  BQ: { type: 'icd-9-pcs', principal: false },
};
const GENDERS: Record<string, string> = { F: 'female', M: 'male', U: 'unknown' };
const MAX_CODES = 25;
const MAX_MODIFIERS = 4;

/**
 * Maps the segments of an 837P or 837I (005010, and 004010) onto canonical claim lines: one
 * line per LX service line, carrying the claim's fields. Claims are emitted when they end (next
 * CLM, HL or SE). A structural error inside a claim drops that claim only and is reported with
 * the segment's position; values never appear in errors.
 */
export class Claim837Mapper {
  private loop: Loop = 'header';
  private inTransaction = false;
  private skipTransaction = false;
  private transactionStart = 0;
  private transactionSegments = 0;
  private guide = '';
  private fileDate: string | null = null;
  private billingNpi: string | null = null;
  private billingTin: string | null = null;
  private subscriber: Person | null = null;
  private patient: Person | null = null;
  private payer: string | null = null;
  private plan: string | null = null;
  private claim: ClaimDraft | null = null;
  private line: LineDraft | null = null;

  constructor(private readonly sink: Claim837Sink) {}

  handle(segment: X12Segment): void {
    const id = segment.elements[0] ?? '';
    if (this.inTransaction) this.transactionSegments++;
    if (!SEGMENT_ID.test(id)) {
      this.fail(segment, undefined, 'unreadable segment id');
      return;
    }
    if (ENVELOPE.has(id)) {
      this.handleEnvelope(id, segment);
      return;
    }
    if (id === 'ST') {
      this.startTransaction(segment);
      return;
    }
    if (!this.inTransaction) {
      this.fail(segment, id, 'segment outside a transaction set (ST/SE)');
      return;
    }
    if (id === 'SE') {
      this.endTransaction(segment);
      return;
    }
    if (this.skipTransaction) return;
    if (this.claim?.error && id !== 'CLM' && id !== 'HL') return;
    this.handleClaimSegment(id, segment);
  }

  /** The file has ended: a claim or transaction still open was cut off. */
  end(position: number): void {
    if (!this.inTransaction) return;
    if (this.claim && !this.claim.error) {
      this.claim.error = {
        position: `segment ${this.claim.position}`,
        segment: 'CLM',
        reason: 'the file ends inside this claim (no SE)',
      };
    }
    this.finishClaim();
    this.sink.error({ position: `segment ${position}`, reason: 'the file ends inside a transaction set (no SE)' });
    this.inTransaction = false;
  }

  private handleEnvelope(id: string, segment: X12Segment): void {
    const e = segment.elements;
    if (id === 'GS') {
      this.guide = e[8] ?? '';
      this.fileDate = isoDate(e[4] ?? '');
    }
    if (this.inTransaction && (id === 'GE' || id === 'IEA' || id === 'ISA')) {
      this.fail(segment, id, 'envelope segment inside a transaction set (SE missing)');
      this.finishClaim();
      this.inTransaction = false;
    }
  }

  private startTransaction(segment: X12Segment): void {
    if (this.inTransaction) {
      this.fail(segment, 'ST', 'ST inside a transaction set (SE missing)');
      this.finishClaim();
    }
    const e = segment.elements;
    this.inTransaction = true;
    this.transactionStart = segment.position;
    this.transactionSegments = 1;
    this.skipTransaction = e[1] !== '837';
    // An 834 is an enrollment, converted by Enrollment834Mapper; any other set is reported.
    if (this.skipTransaction && e[1] !== '834') {
      this.fail(segment, 'ST', 'transaction set is neither an 837 nor an 834; its segments are skipped');
    }
    // 005010 names the implementation guide in ST03; 004010 only in GS08.
    this.guide = e[3] || this.guide;
    this.loop = 'header';
    this.billingNpi = null;
    this.billingTin = null;
    this.resetSubscriber();
  }

  private endTransaction(segment: X12Segment): void {
    this.finishClaim();
    const declared = segment.elements[1] ?? '';
    if (declared !== String(this.transactionSegments)) {
      const count = /^\d+$/.test(declared) ? declared : 'no number';
      const start = this.transactionStart;
      this.fail(
        segment,
        'SE',
        `SE01 says ${count}; the transaction set from segment ${start} has ${this.transactionSegments} segments`,
      );
    }
    this.inTransaction = false;
    this.skipTransaction = false;
  }

  private handleClaimSegment(id: string, segment: X12Segment): void {
    const e = segment.elements;
    switch (id) {
      case 'HL':
        this.startLevel(e[3] ?? '');
        return;
      case 'NM1':
        this.handleName(e);
        return;
      case 'REF':
        if (this.loop === 'billing' && (e[1] === 'EI' || e[1] === 'SY')) this.billingTin = e[2] || null;
        return;
      case 'DMG':
        this.handleDemographics(e);
        return;
      case 'SBR':
        if (this.loop === 'subscriber') this.plan = e[4] || null;
        // Inside a claim, SBR opens the other-payer loops (2320/2330): their names and dates are not this claim's.
        else if (this.claim) this.loop = 'other-payer';
        return;
      case 'CLM':
        this.startClaim(segment);
        return;
      case 'LX':
        this.startLine(segment);
        return;
      default:
        if (!this.claim) return;
        this.handleClaimDetail(id, segment);
    }
  }

  private handleClaimDetail(id: string, segment: X12Segment): void {
    const claim = this.claim as ClaimDraft;
    const e = segment.elements;
    if (id === 'SV1' || id === 'SV2') {
      this.handleService(id, segment);
    } else if (id === 'DTP') {
      this.handleDate(claim, e);
    } else if (id === 'HI' && this.loop === 'claim') {
      this.handleCodes(claim, segment);
    } else if (id === 'CL1' && this.loop === 'claim') {
      claim.values.admit_type_code = e[1] || null;
      claim.values.admit_source_code = e[2] || null;
      claim.values.discharge_disposition_code = e[3] || null;
    } else if (id === 'HCP' && this.loop === 'line' && this.line) {
      // The repricer's allowed amount for the line (HCP02).
      this.line.values.allowed_amount = e[2] || null;
    }
  }

  private startLevel(level: string): void {
    this.finishClaim();
    if (level === '20') {
      this.loop = 'billing';
      this.billingNpi = null;
      this.billingTin = null;
      this.resetSubscriber();
    } else if (level === '22') {
      this.loop = 'subscriber';
      this.resetSubscriber();
    } else if (level === '23') {
      this.loop = 'patient';
      this.patient = emptyPerson();
    }
  }

  private resetSubscriber(): void {
    this.subscriber = null;
    this.patient = null;
    this.payer = null;
    this.plan = null;
  }

  private handleName(e: readonly string[]): void {
    const entity = e[1];
    if (this.loop === 'billing' && entity === '85') {
      this.billingNpi = npiOf(e);
    } else if (this.loop === 'subscriber' && entity === 'IL') {
      this.subscriber = { ...emptyPerson(), id: e[9] || null, lastName: e[3] ?? '', firstName: e[4] ?? '' };
    } else if (this.loop === 'subscriber' && entity === 'PR') {
      this.payer = e[3] || null;
    } else if (this.loop === 'patient' && entity === 'QC') {
      this.patient = { ...emptyPerson(), id: e[9] || null, lastName: e[3] ?? '', firstName: e[4] ?? '' };
    } else if (this.claim && (this.loop === 'claim' || this.loop === 'line')) {
      const target = this.loop === 'line' ? this.line?.values : null;
      if (entity === '82') {
        if (target) target.rendering_npi = npiOf(e);
        else this.claim.rendering = npiOf(e);
      } else if (entity === '77') {
        if (target) target.facility_npi = npiOf(e);
        else this.claim.facility = npiOf(e);
      } else if (entity === '71' && !target) {
        this.claim.attending = npiOf(e);
      }
    }
  }

  private handleDemographics(e: readonly string[]): void {
    const person = this.loop === 'subscriber' ? this.subscriber : this.loop === 'patient' ? this.patient : null;
    if (!person) return;
    person.birthDate = e[1] === 'D8' ? isoDate(e[2] ?? '') : null;
    person.gender = e[3] ? (GENDERS[e[3]] ?? e[3]) : null;
  }

  private startClaim(segment: X12Segment): void {
    this.finishClaim();
    const e = segment.elements;
    const position = segment.position;
    this.loop = 'claim';
    const values: CanonicalLine = {
      claim_id: e[1] || null,
      claim_type: null,
      person_id: this.personId(),
      member_id: this.subscriber?.id ?? null,
      payer: this.payer,
      plan: this.plan,
      claim_start_date: null,
      claim_end_date: null,
      file_date: this.fileDate,
      billing_npi: this.billingNpi,
      billing_tin: this.billingTin,
    };
    const person = this.patient ?? this.subscriber;
    if (person?.birthDate) values.birth_date = person.birthDate;
    if (person?.gender) values.gender = person.gender;
    const facility = composite(e[5] ?? '', segment.delimiters);
    const type = claimTypeOf(this.guide, facility[1]);
    values.claim_type = type;
    // CLM05-1 is the place of service (qualifier B) or the first two digits of the bill type (A), CLM05-3 the frequency.
    const billType = facility[1] === 'A' || (facility[1] !== 'B' && type === 'institutional');
    if (billType && facility[0]) values.bill_type_code = `${facility[0]}${facility[2] ?? ''}`;
    else if (!billType) values.place_of_service_code = facility[0] || null;
    this.claim = {
      position,
      values,
      lines: [],
      diagnoses: [],
      poa: [],
      procedures: [],
      rendering: null,
      attending: null,
      facility: null,
      error: values.claim_id
        ? null
        : { position: `segment ${position}`, segment: 'CLM', reason: 'CLM01 (claim id) is empty' },
    };
    this.line = null;
  }

  private startLine(segment: X12Segment): void {
    if (!this.claim) {
      this.fail(segment, 'LX', 'LX outside a claim (no CLM before it)');
      return;
    }
    this.loop = 'line';
    this.line = {
      position: segment.position,
      values: { claim_line_number: segment.elements[1] || null },
      hasService: false,
    };
    this.claim.lines.push(this.line);
  }

  private handleService(id: string, segment: X12Segment): void {
    const line = this.loop === 'line' ? this.line : null;
    if (!line) {
      this.fail(segment, id, `${id} outside a service line (no LX before it)`);
      return;
    }
    if (line.hasService) {
      this.fail(segment, id, `a second service segment in the service line starting at segment ${line.position}`);
      return;
    }
    line.hasService = true;
    const e = segment.elements;
    const v = line.values;
    // SV1: 01 procedure composite, 02 charge, 04 units, 05 place of service. SV2: 01 revenue code, 02 procedure, 03 charge, 05 units.
    const professional = id === 'SV1';
    if (!professional) v.revenue_center_code = e[1] || null;
    const procedure = composite(e[professional ? 1 : 2] ?? '', segment.delimiters);
    if (procedure[0] === 'HC' && procedure[1]) {
      v.hcpcs_code = procedure[1];
      for (let m = 1; m <= MAX_MODIFIERS; m++) {
        const modifier = procedure[m + 1];
        if (modifier) v[`hcpcs_modifier_${m}`] = modifier;
      }
    }
    v.charge_amount = e[professional ? 2 : 3] || null;
    v.service_unit_quantity = e[professional ? 4 : 5] || null;
    if (professional && e[5]) v.place_of_service_code = e[5];
  }

  private handleDate(claim: ClaimDraft, e: readonly string[]): void {
    const range = dateRange(e[2] ?? '', e[3] ?? '');
    if (!range) return;
    const qualifier = e[1];
    if (this.loop === 'line' && this.line && qualifier === '472') {
      this.line.values.claim_line_start_date = range[0];
      this.line.values.claim_line_end_date = range[1];
    } else if (this.loop === 'claim') {
      const v = claim.values;
      // 434 statement dates (837I); 472 service dates at claim level (004010 837P).
      if (qualifier === '434' || (qualifier === '472' && !v.claim_start_date)) {
        v.claim_start_date = range[0];
        v.claim_end_date = range[1];
      } else if (qualifier === '435') v.admission_date = range[0];
      else if (qualifier === '096') v.discharge_date = range[0];
    }
  }

  /** HI: diagnoses (ABK/ABF, BK/BF), ICD procedures (BBR/BBQ, BR/BQ) with their dates, and the DRG (DR). */
  private handleCodes(claim: ClaimDraft, segment: X12Segment): void {
    const e = segment.elements;
    for (let i = 1; i < e.length; i++) {
      const components = composite(e[i] ?? '', segment.delimiters);
      const [qualifier = '', code = '', dateFormat, date] = components;
      if (code === '') continue;
      const diagnosis = DIAGNOSIS_TYPES[qualifier];
      const procedure = PROCEDURE_TYPES[qualifier];
      if (diagnosis && claim.diagnoses.length < MAX_CODES) {
        claim.values.diagnosis_code_type ??= diagnosis.type;
        // HI0n-9 is the present-on-admission indicator (837I).
        insertCode(claim.diagnoses, code.replaceAll('.', ''), diagnosis.principal, claim.poa, components[8] ?? '');
      } else if (procedure && claim.procedures.length < MAX_CODES) {
        claim.values.procedure_code_type ??= procedure.type;
        const entry = { code: code.replaceAll('.', ''), date: dateFormat === 'D8' ? isoDate(date ?? '') : null };
        if (procedure.principal) claim.procedures.unshift(entry);
        else claim.procedures.push(entry);
      } else if (qualifier === 'DR') {
        claim.values.drg_code_type = 'ms-drg';
        claim.values.drg_code = code;
      }
    }
  }

  private personId(): string | null {
    const subscriberId = this.subscriber?.id ?? null;
    if (!this.patient) return subscriberId;
    if (this.patient.id) return this.patient.id;
    return subscriberId ? dependentPersonId(subscriberId, this.patient) : null;
  }

  private fail(segment: X12Segment, id: string | undefined, reason: string): void {
    const error: ConversionError = { position: `segment ${segment.position}`, ...(id ? { segment: id } : {}), reason };
    if (this.claim && !this.claim.error) this.claim.error = error;
    else if (!this.claim) this.sink.error(error);
  }

  private finishClaim(): void {
    const claim = this.claim;
    this.claim = null;
    this.line = null;
    if (this.loop === 'line' || this.loop === 'other-payer' || this.loop === 'claim') this.loop = 'subscriber';
    if (!claim) return;
    const unserved = claim.lines.find((l) => !l.hasService);
    if (!claim.error && claim.lines.length === 0) {
      claim.error = { position: `segment ${claim.position}`, segment: 'CLM', reason: 'claim has no service line (LX)' };
    } else if (!claim.error && unserved) {
      claim.error = {
        position: `segment ${unserved.position}`,
        segment: 'LX',
        reason: 'service line has no SV1 or SV2',
      };
    }
    if (claim.error) {
      this.sink.error(claim.error);
      return;
    }
    this.sink.claim(
      claimValuesOf(claim),
      claim.lines.map((l) => l.values),
    );
  }
}

function claimValuesOf(claim: ClaimDraft): CanonicalLine {
  const v = claim.values;
  // 837P has no claim-level service dates: the claim spans its lines.
  if (!v.claim_start_date) {
    [v.claim_start_date] = dateSpan(claim.lines.map((l) => l.values.claim_line_start_date));
    [, v.claim_end_date] = dateSpan(claim.lines.map((l) => l.values.claim_line_end_date));
  }
  const institutional = v.claim_type === 'institutional';
  v.rendering_npi = claim.rendering ?? claim.attending;
  // On an institutional claim the billing provider is the facility unless a service facility is named.
  v.facility_npi = claim.facility ?? (institutional ? (v.billing_npi ?? null) : null);
  claim.diagnoses.forEach((code, i) => {
    v[`diagnosis_code_${i + 1}`] = code;
    if (claim.poa[i]) v[`diagnosis_poa_${i + 1}`] = claim.poa[i] ?? null;
  });
  claim.procedures.forEach((p, i) => {
    v[`procedure_code_${i + 1}`] = p.code;
    if (p.date) v[`procedure_date_${i + 1}`] = p.date;
  });
  return v;
}

function insertCode(codes: string[], code: string, principal: boolean, poas: string[], poa: string): void {
  if (principal) {
    codes.unshift(code);
    poas.unshift(poa);
  } else {
    codes.push(code);
    poas.push(poa);
  }
}

/** A composite element's components; tolerates a component separator other than the declared one. */
function composite(value: string, delimiters: X12Delimiters): string[] {
  if (value.includes(delimiters.component)) return value.split(delimiters.component);
  const stray = STRAY_COMPONENT.exec(value)?.[1];
  return stray && stray !== delimiters.repetition && stray !== delimiters.element ? value.split(stray) : [value];
}

function claimTypeOf(guide: string, facilityQualifier: string | undefined): string | null {
  // 005010X222 / 004010X098: professional; X223 / X096: institutional; X224 / X097: dental.
  if (/X222|X098/.test(guide)) return 'professional';
  if (/X223|X096/.test(guide)) return 'institutional';
  if (/X224|X097/.test(guide)) return 'dental';
  if (facilityQualifier === 'B') return 'professional';
  if (facilityQualifier === 'A') return 'institutional';
  return null;
}

function npiOf(e: readonly string[]): string | null {
  return e[8] === 'XX' ? e[9] || null : null;
}

function emptyPerson(): Person {
  return { id: null, lastName: '', firstName: '', birthDate: null, gender: null };
}

/** CCYYMMDD to YYYY-MM-DD; anything else is kept as sent so the date rules can flag it. */
/** DTP03 as [start, end] by its format (DTP02): D8 a date, RD8 a range, DT a date and time. TM has no date. */
function dateRange(format: string, value: string): [string | null, string | null] | null {
  if (format === 'RD8') {
    const [start = '', end = ''] = value.split('-');
    return [isoDate(start), isoDate(end)];
  }
  if (format === 'DT') {
    const date = isoDate(value.slice(0, 8));
    return [date, date];
  }
  if (format === 'TM') return null;
  const date = isoDate(value);
  return [date, date];
}
