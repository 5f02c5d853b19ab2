import { PAYMENT_COLUMNS } from '../../domain/canonical-model.ts';
import { tableColumnsOfKind } from '../../domain/tables/table-descriptor.ts';
import type { CanonicalLine } from '../records/conversion-result.ts';
import type { FhirClaim, FhirItem } from './fhir-claim-schema.ts';
import {
  addAmounts,
  claimRenderingNpi,
  isoDate,
  type MappedFhirClaim,
  memberIdOf,
  npiOf,
  payerOf,
  referenceId,
  text,
  totalsLine,
} from './map-fhir-claim.ts';

const NDC_SYSTEM = 'http://hl7.org/fhir/sid/ndc';
const AMOUNT_COLUMNS = tableColumnsOfKind(PAYMENT_COLUMNS, 'amount');

/**
 * Maps a pharmacy ExplanationOfBenefit or Claim (type `pharmacy`, Blue Button `PDE`) onto
 * pharmacy_claim: one dispensed line per item. The prescriber is the care team member with role
 * `prescribing` (CARIN Blue Button), else the claim's rendering one (Synthea's `primary`); the
 * dispensing pharmacy is the `provider` when it is an Organization. A claim's only item takes the
 * claim's totals when it has no adjudication of its own (Synthea's pharmacy EOBs).
 */
export function mapFhirPharmacyClaim(resource: FhirClaim): MappedFhirClaim {
  const personId = referenceId(resource.patient);
  const claim: CanonicalLine = {
    claim_id: resource.id,
    person_id: personId,
    member_id: memberIdOf(resource) ?? personId,
    payer: payerOf(resource),
    paid_date: isoDate(resource.payment?.date),
    prescribing_provider_npi: prescriberNpi(resource),
    dispensing_provider_npi: resource.provider?.reference?.startsWith('Organization')
      ? npiOf(resource.provider, resource)
      : null,
    days_supply: supportingQuantity(resource, 'dayssupply'),
    refills: supportingQuantity(resource, 'refillnum'),
  };
  const items = resource.item ?? [];
  const totals = totalsLine(resource);
  const lines =
    items.length > 0
      ? items.map((item) => lineOf(item, resource, items.length === 1 ? totals : null))
      : [{ ...totals, dispensing_date: isoDate(resource.billablePeriod?.start) }];
  const adjudicates = resource.resourceType === 'ExplanationOfBenefit' ? referenceId(resource.claim) : null;
  return { claim, lines, adjudicates };
}

function lineOf(item: FhirItem, resource: FhirClaim, totals: CanonicalLine | null): CanonicalLine {
  const line: CanonicalLine = {
    claim_line_number: item.sequence === undefined ? null : String(item.sequence),
    dispensing_date: isoDate(item.servicedDate ?? item.servicedPeriod?.start ?? resource.billablePeriod?.start),
    ndc_code: item.productOrService?.coding?.find((c) => c.system === NDC_SYSTEM)?.code ?? null,
    quantity: text(item.quantity?.value),
  };
  addAmounts(line, item.adjudication ?? []);
  line.charge_amount ??= text(item.net?.value);
  if (totals && AMOUNT_COLUMNS.every((c) => line[c] == null)) {
    for (const column of AMOUNT_COLUMNS) line[column] = totals[column] ?? null;
  }
  return line;
}

function prescriberNpi(resource: FhirClaim): string | null {
  const prescriber = resource.careTeam?.find((c) => c.role?.coding?.some((coding) => coding.code === 'prescribing'));
  return prescriber ? npiOf(prescriber.provider, resource) : claimRenderingNpi(resource);
}

function supportingQuantity(resource: FhirClaim, category: string): string | null {
  const info = resource.supportingInfo?.find((i) => i.category?.coding?.some((c) => c.code === category));
  return text(info?.valueQuantity?.value);
}
