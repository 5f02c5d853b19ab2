import type { CanonicalLine } from '../records/conversion-result.ts';
import { dateSpan } from '../records/date-span.ts';
import type { FhirAdjudication, FhirClaim, FhirConcept, FhirItem, FhirReference } from './fhir-claim-schema.ts';

export interface PatientFacts {
  readonly birthDate: string | null;
  readonly gender: string | null;
}

export interface MappedFhirClaim {
  readonly claim: CanonicalLine;
  readonly lines: CanonicalLine[];
  /** The id of the Claim an ExplanationOfBenefit adjudicates (that Claim is then not converted itself). */
  readonly adjudicates: string | null;
}

const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
/** HL7 claim-type codes and Blue Button `eob-type` codes to canonical claim types (pharmacy stays pharmacy). */
const CLAIM_TYPES: Record<string, string> = {
  professional: 'professional',
  institutional: 'institutional',
  oral: 'dental',
  vision: 'vision',
  pharmacy: 'pharmacy',
  CARRIER: 'professional',
  DME: 'professional',
  INPATIENT: 'institutional',
  OUTPATIENT: 'institutional',
  SNF: 'institutional',
  HHA: 'institutional',
  HOSPICE: 'institutional',
  PDE: 'pharmacy',
};
const DIAGNOSIS_SYSTEMS: Record<string, string> = {
  'http://hl7.org/fhir/sid/icd-10-cm': 'icd-10-cm',
  'http://hl7.org/fhir/sid/icd-10': 'icd-10-cm',
  'http://hl7.org/fhir/sid/icd-9-cm': 'icd-9-cm',
};
const PROCEDURE_SYSTEMS: Record<string, string> = {
  'http://www.cms.gov/Medicare/Coding/ICD10': 'icd-10-pcs',
  'http://hl7.org/fhir/sid/icd-10-pcs': 'icd-10-pcs',
  'http://hl7.org/fhir/sid/icd-9-cm': 'icd-9-pcs',
};
const HCPCS_SYSTEMS = new Set([
  'http://www.ama-assn.org/go/cpt',
  'urn:oid:2.16.840.1.113883.6.12',
  'https://bluebutton.cms.gov/resources/codesystem/hcpcs',
  'urn:oid:2.16.840.1.113883.6.285',
  'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
]);
/**
 * Adjudication and total categories (HL7 `adjudication`, CARIN Blue Button, CMS Blue Button
 * variables; matched on the code's last path segment) to amount columns. When several map to
 * one column, the earlier in this list wins.
 */
const AMOUNT_CATEGORIES: ReadonlyArray<readonly [string, string]> = [
  ['submitted', 'charge_amount'],
  ['line_sbmtd_chrg_amt', 'charge_amount'],
  ['eligible', 'allowed_amount'],
  ['line_alowd_chrg_amt', 'allowed_amount'],
  ['benefit', 'paid_amount'],
  ['paidtoprovider', 'paid_amount'],
  ['line_nch_pmt_amt', 'paid_amount'],
  ['line_prvdr_pmt_amt', 'paid_amount'],
  ['deductible', 'deductible_amount'],
  ['line_bene_ptb_ddctbl_amt', 'deductible_amount'],
  ['copay', 'copayment_amount'],
  ['coinsurance', 'coinsurance_amount'],
  ['line_coinsrnc_amt', 'coinsurance_amount'],
];
const AMOUNT_RANK = new Map(AMOUNT_CATEGORIES.map(([code], rank) => [code, rank]));
/** Institutional facts carried in supportingInfo (CARIN Blue Button categories, CMS Blue Button variables). */
const SUPPORTING_INFO: Record<string, string> = {
  typeofbill: 'bill_type_code',
  admtype: 'admit_type_code',
  clm_ip_admsn_type_cd: 'admit_type_code',
  pointoforigin: 'admit_source_code',
  clm_src_ip_admsn_cd: 'admit_source_code',
  'discharge-status': 'discharge_disposition_code',
  ptnt_dschrg_stus_cd: 'discharge_disposition_code',
  drg: 'drg_code',
  clm_drg_cd: 'drg_code',
};
/** careTeam roles that name who rendered the service, in order of preference. */
const RENDERING_ROLES = ['rendering', 'performing', 'primary', 'attending'];
const MAX_CODES = 25;
const MAX_MODIFIERS = 5;

/**
 * Maps one ExplanationOfBenefit or Claim onto canonical claim fields and one line per item
 * (a resource without items gives one line from its totals). Codes are taken only from code
 * systems the canonical columns hold (ICD for diagnoses and procedures, CPT/HCPCS for
 * hcpcs_code); codes of other systems (SNOMED CT, LOINC, RxNorm, CVX) have no column.
 */
export function mapFhirClaim(resource: FhirClaim, patients: ReadonlyMap<string, PatientFacts>): MappedFhirClaim {
  const personId = referenceId(resource.patient);
  const patient = personId ? patients.get(personId) : undefined;
  const claim: CanonicalLine = {
    claim_id: resource.id,
    claim_type: claimTypeOf(resource.type),
    person_id: personId,
    member_id: memberIdOf(resource) ?? personId,
    payer: payerOf(resource),
    claim_start_date: isoDate(resource.billablePeriod?.start),
    claim_end_date: isoDate(resource.billablePeriod?.end),
    paid_date: isoDate(resource.payment?.date),
    billing_npi: npiOf(resource.provider, resource),
    facility_npi: npiOf(resource.facility, resource),
    rendering_npi: claimRenderingNpi(resource),
    birth_date: isoDate(patient?.birthDate ?? undefined),
    gender: patient?.gender ?? null,
  };
  addDiagnoses(claim, resource);
  addProcedures(claim, resource);
  addSupportingInfo(claim, resource);
  const items = resource.item ?? [];
  const lines = items.length > 0 ? items.map((item) => lineOf(item, resource)) : [totalsLine(resource)];
  if (!claim.claim_start_date) {
    [claim.claim_start_date] = dateSpan(lines.map((l) => l.claim_line_start_date));
    [, claim.claim_end_date] = dateSpan(lines.map((l) => l.claim_line_end_date));
  }
  const adjudicates = resource.resourceType === 'ExplanationOfBenefit' ? referenceId(resource.claim) : null;
  return { claim, lines, adjudicates };
}

function lineOf(item: FhirItem, resource: FhirClaim): CanonicalLine {
  const line: CanonicalLine = {
    claim_line_number: item.sequence === undefined ? null : String(item.sequence),
    claim_line_start_date: isoDate(item.servicedDate ?? item.servicedPeriod?.start),
    claim_line_end_date: isoDate(item.servicedDate ?? item.servicedPeriod?.end),
    place_of_service_code: firstCode(item.locationCodeableConcept),
    revenue_center_code: firstCode(item.revenue),
    hcpcs_code: item.productOrService?.coding?.find((c) => c.system && HCPCS_SYSTEMS.has(c.system))?.code ?? null,
    service_unit_quantity: text(item.quantity?.value),
  };
  (item.modifier ?? []).slice(0, MAX_MODIFIERS).forEach((modifier, i) => {
    line[`hcpcs_modifier_${i + 1}`] = firstCode(modifier);
  });
  addAmounts(line, item.adjudication ?? []);
  line.charge_amount ??= text(item.net?.value);
  const member = item.careTeamSequence?.[0];
  const rendering = member === undefined ? undefined : resource.careTeam?.find((c) => c.sequence === member);
  if (rendering) line.rendering_npi = npiOf(rendering.provider, resource);
  return line;
}

export function totalsLine(resource: FhirClaim): CanonicalLine {
  const line: CanonicalLine = { claim_line_number: '1' };
  const total = resource.total;
  if (Array.isArray(total)) addAmounts(line, total);
  else line.charge_amount = text(total?.value);
  line.paid_amount ??= text(resource.payment?.amount?.value);
  return line;
}

export function addAmounts(line: CanonicalLine, adjudications: readonly FhirAdjudication[]): void {
  const ranks = new Map<string, number>();
  for (const adjudication of adjudications) {
    for (const coding of adjudication.category?.coding ?? []) {
      const code = lastSegment(coding.code);
      const rank = AMOUNT_RANK.get(code);
      const value = text(adjudication.amount?.value);
      if (rank === undefined || value === null) continue;
      const column = (AMOUNT_CATEGORIES[rank] as readonly [string, string])[1];
      if (rank < (ranks.get(column) ?? Number.POSITIVE_INFINITY)) {
        ranks.set(column, rank);
        line[column] = value;
      }
    }
  }
}

function addDiagnoses(claim: CanonicalLine, resource: FhirClaim): void {
  // The principal diagnosis first, then by sequence.
  const ordered = [...(resource.diagnosis ?? [])].sort(
    (a, b) => principalFirst(a.type) - principalFirst(b.type) || (a.sequence ?? 0) - (b.sequence ?? 0),
  );
  let n = 0;
  for (const diagnosis of ordered) {
    const coding = diagnosis.diagnosisCodeableConcept?.coding?.find((c) => c.system && DIAGNOSIS_SYSTEMS[c.system]);
    if (!coding?.code || !coding.system || n === MAX_CODES) continue;
    n++;
    claim.diagnosis_code_type ??= DIAGNOSIS_SYSTEMS[coding.system] ?? null;
    claim[`diagnosis_code_${n}`] = coding.code.replaceAll('.', '');
    const poa = firstCode(diagnosis.onAdmission);
    if (poa) claim[`diagnosis_poa_${n}`] = poa;
  }
}

function addProcedures(claim: CanonicalLine, resource: FhirClaim): void {
  const ordered = [...(resource.procedure ?? [])].sort((a, b) => (a.sequence ?? 0) - (b.sequence ?? 0));
  let n = 0;
  for (const procedure of ordered) {
    const coding = procedure.procedureCodeableConcept?.coding?.find((c) => c.system && PROCEDURE_SYSTEMS[c.system]);
    if (!coding?.code || !coding.system || n === MAX_CODES) continue;
    n++;
    claim.procedure_code_type ??= PROCEDURE_SYSTEMS[coding.system] ?? null;
    claim[`procedure_code_${n}`] = coding.code.replaceAll('.', '');
    if (procedure.date) claim[`procedure_date_${n}`] = isoDate(procedure.date);
  }
}

function addSupportingInfo(claim: CanonicalLine, resource: FhirClaim): void {
  for (const info of resource.supportingInfo ?? []) {
    const category = (info.category?.coding ?? []).map((c) => lastSegment(c.code)).find((c) => c !== '');
    if (category === 'admissionperiod') {
      claim.admission_date = isoDate(info.timingPeriod?.start);
      claim.discharge_date = isoDate(info.timingPeriod?.end);
      continue;
    }
    const column = category ? SUPPORTING_INFO[category] : undefined;
    if (!column) continue;
    claim[column] = firstCode(info.code);
    if (column === 'drg_code') claim.drg_code_type = 'ms-drg';
  }
}

function principalFirst(types: readonly FhirConcept[] | undefined): number {
  return types?.some((t) => t.coding?.some((c) => c.code === 'principal')) ? 0 : 1;
}

export function claimTypeOf(type: FhirConcept | undefined): string | null {
  for (const coding of type?.coding ?? []) {
    const mapped = coding.code ? CLAIM_TYPES[coding.code] : undefined;
    if (mapped) return mapped;
  }
  return firstCode(type);
}

export function claimRenderingNpi(resource: FhirClaim): string | null {
  const team = resource.careTeam ?? [];
  for (const role of RENDERING_ROLES) {
    const member = team.find((c) => c.role?.coding?.some((coding) => coding.code === role));
    if (member) return npiOf(member.provider, resource);
  }
  return null;
}

function focalCoverage(resource: FhirClaim): FhirReference | undefined {
  const insurance = resource.insurance ?? [];
  return (insurance.find((i) => i.focal) ?? insurance[0])?.coverage;
}

function containedOf(resource: FhirClaim, reference: string | undefined) {
  return reference?.startsWith('#') ? resource.contained?.find((c) => c.id === reference.slice(1)) : undefined;
}

export function memberIdOf(resource: FhirClaim): string | null {
  const coverage = containedOf(resource, focalCoverage(resource)?.reference);
  return coverage?.subscriberId ?? null;
}

export function payerOf(resource: FhirClaim): string | null {
  const coverage = focalCoverage(resource);
  const contained = containedOf(resource, coverage?.reference);
  return resource.insurer?.display ?? coverage?.display ?? contained?.payor?.[0]?.display ?? null;
}

/**
 * The NPI a reference names: a logical reference with an NPI identifier, a conditional
 * reference (`Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1234567893`, as Synthea
 * writes), or a contained resource with an NPI identifier.
 */
export function npiOf(reference: FhirReference | undefined, resource: FhirClaim): string | null {
  if (!reference) return null;
  if (reference.identifier?.system === NPI_SYSTEM) return reference.identifier.value ?? null;
  const target = reference.reference ?? '';
  const query = /[?&]identifier=([^&]*)/.exec(target)?.[1];
  if (query) {
    const [system, value] = safeDecode(query).split('|');
    return system === NPI_SYSTEM ? value || null : null;
  }
  const contained = containedOf(resource, target);
  return contained?.identifier?.find((i) => i.system === NPI_SYSTEM)?.value ?? null;
}

/** The id a reference points at: `Patient/123` and `urn:uuid:123` name `123`. */
export function referenceId(reference: FhirReference | undefined): string | null {
  const target = reference?.reference;
  if (!target) return reference?.identifier?.value ?? null;
  if (target.startsWith('urn:uuid:')) return target.slice('urn:uuid:'.length);
  if (target.includes('?')) return reference?.identifier?.value ?? null;
  return target.split('/_history/')[0]?.split('/').pop() || null;
}

export function firstCode(concept: FhirConcept | undefined): string | null {
  return concept?.coding?.find((c) => c.code)?.code ?? null;
}

function lastSegment(code: string | undefined): string {
  return code?.slice(code.lastIndexOf('/') + 1) ?? '';
}

export function text(value: number | string | undefined): string | null {
  return value === undefined ? null : String(value);
}

/** The date part of a FHIR date or dateTime, as written (local date, no time-zone shift); other text as sent. */
export function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? value.slice(0, 10) : value;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
