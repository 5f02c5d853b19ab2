import { z } from 'zod';

/**
 * The parts of FHIR R4 `ExplanationOfBenefit` and `Claim` (and `Patient`) that map onto the
 * canonical model; everything else is dropped when parsing. Shapes follow the R4 JSON
 * representation, with decimals accepted as numbers or strings.
 */
const decimal = z.union([z.number(), z.string()]);
const coding = z.object({ system: z.string().optional(), code: z.string().optional() });
const concept = z.object({ coding: z.array(coding).optional(), text: z.string().optional() });
const identifier = z.object({ system: z.string().optional(), value: z.string().optional() });
const reference = z.object({
  reference: z.string().optional(),
  identifier: identifier.optional(),
  display: z.string().optional(),
});
const period = z.object({ start: z.string().optional(), end: z.string().optional() });
const money = z.object({ value: decimal.optional() });
const adjudication = z.object({ category: concept.optional(), amount: money.optional() });

const item = z.object({
  sequence: z.number().int().optional(),
  careTeamSequence: z.array(z.number().int()).optional(),
  revenue: concept.optional(),
  productOrService: concept.optional(),
  modifier: z.array(concept).optional(),
  servicedDate: z.string().optional(),
  servicedPeriod: period.optional(),
  locationCodeableConcept: concept.optional(),
  quantity: z.object({ value: decimal.optional() }).optional(),
  net: money.optional(),
  adjudication: z.array(adjudication).optional(),
});

export const fhirClaimSchema = z.object({
  resourceType: z.enum(['ExplanationOfBenefit', 'Claim']),
  id: z.string().min(1),
  contained: z
    .array(
      z.object({
        id: z.string().optional(),
        identifier: z.array(identifier).optional(),
        subscriberId: z.string().optional(),
        payor: z.array(reference).optional(),
      }),
    )
    .optional(),
  type: concept.optional(),
  patient: reference.optional(),
  billablePeriod: period.optional(),
  insurer: reference.optional(),
  provider: reference.optional(),
  facility: reference.optional(),
  claim: reference.optional(),
  careTeam: z
    .array(
      z.object({ sequence: z.number().int().optional(), provider: reference.optional(), role: concept.optional() }),
    )
    .optional(),
  diagnosis: z
    .array(
      z.object({
        sequence: z.number().int().optional(),
        diagnosisCodeableConcept: concept.optional(),
        type: z.array(concept).optional(),
        onAdmission: concept.optional(),
      }),
    )
    .optional(),
  procedure: z
    .array(
      z.object({
        sequence: z.number().int().optional(),
        date: z.string().optional(),
        procedureCodeableConcept: concept.optional(),
      }),
    )
    .optional(),
  supportingInfo: z
    .array(
      z.object({
        category: concept.optional(),
        code: concept.optional(),
        timingDate: z.string().optional(),
        timingPeriod: period.optional(),
        // CARIN Blue Button pharmacy: days supply and refill number.
        valueQuantity: z.object({ value: decimal.optional() }).optional(),
      }),
    )
    .optional(),
  insurance: z.array(z.object({ focal: z.boolean().optional(), coverage: reference.optional() })).optional(),
  item: z.array(item).optional(),
  // ExplanationOfBenefit.total is a list by category; Claim.total is one Money.
  total: z.union([z.array(z.object({ category: concept.optional(), amount: money.optional() })), money]).optional(),
  payment: z.object({ date: z.string().optional(), amount: money.optional() }).optional(),
});

export const fhirPatientSchema = z.object({
  id: z.string().optional(),
  birthDate: z.string().optional(),
  gender: z.string().optional(),
});

export type FhirClaim = z.infer<typeof fhirClaimSchema>;
export type FhirItem = z.infer<typeof item>;
export type FhirReference = z.infer<typeof reference>;
export type FhirConcept = z.infer<typeof concept>;
export type FhirAdjudication = z.infer<typeof adjudication>;
