import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import { REQUIRED_COLUMNS } from '../../domain/canonical-model.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import { PHARMACY_REQUIRED_COLUMNS } from '../../domain/tables/pharmacy-claim-model.ts';
import type { ConversionError, ConversionResult } from '../records/conversion-result.ts';
import { claimLinesNdjson, NdjsonLineWriter } from '../records/ndjson-line-writer.ts';
import { readTextChunks } from '../records/read-text-chunks.ts';
import { type FhirClaim, fhirClaimSchema, fhirPatientSchema } from './fhir-claim-schema.ts';
import { JsonValueScanner, type ScannedValue } from './json-value-scanner.ts';
import { claimTypeOf, type MappedFhirClaim, mapFhirClaim, type PatientFacts, referenceId } from './map-fhir-claim.ts';
import { mapFhirPharmacyClaim } from './map-fhir-pharmacy-claim.ts';

/**
 * Converts FHIR R4 `ExplanationOfBenefit` and `Claim` resources into canonical NDJSON claim
 * lines, streaming: a Bundle (a JSON document of any size), NDJSON of resources, or a single
 * resource, gzip or not. Memory holds one input chunk, one Bundle entry, the output buffer, and
 * the ids of the Claims that ExplanationOfBenefits adjudicate.
 *
 * An ExplanationOfBenefit is the adjudicated form of the Claim it references: such a Claim is not
 * converted as well (that would count the claim twice). Claims are therefore held in a scratch
 * file beside the output until the input has been read, then written unless adjudicated.
 *
 * A file may hold claims of several tables: pharmacy claims (type `pharmacy`, `PDE`) fill
 * pharmacy_claim, the others medical_claim. Only the claims of `table` are written; the others are
 * counted in `otherTables`, for a job of their own.
 */
export async function convertFhir(inputPath: string, outputPath: string, table: string): Promise<ConversionResult> {
  const conversion = new FhirConversion(inputPath, outputPath, table);
  try {
    return await conversion.run();
  } finally {
    await conversion.cleanUp();
  }
}

class FhirConversion {
  private readonly writer: NdjsonLineWriter;
  private readonly pendingPath: string;
  private readonly pending: NdjsonLineWriter;
  private readonly adjudicated = new Set<string>();
  private readonly errors: ConversionError[] = [];
  /**
   * Patients seen so far: those of the current Bundle (Synthea puts the patient before the
   * claims), or of the whole file for NDJSON, where they are rare (bulk exports keep each
   * resource type in its own file).
   */
  private patients = new Map<string, PatientFacts>();
  private inBundle = false;
  private claims = 0;
  private lines = 0;
  private readonly otherTables: Record<string, number> = {};
  private sawValue = false;

  constructor(
    private readonly inputPath: string,
    outputPath: string,
    private readonly table: string,
  ) {
    this.writer = new NdjsonLineWriter(outputPath);
    this.pendingPath = `${outputPath}.claims.tmp`;
    this.pending = new NdjsonLineWriter(this.pendingPath);
  }

  async run(): Promise<ConversionResult> {
    const scanner = new JsonValueScanner({
      value: (value) => this.handleValue(value),
      documentEnd: () => {
        this.sawValue = true;
        if (this.inBundle) this.patients = new Map();
        this.inBundle = false;
      },
      error: (error) => {
        if (!this.sawValue) {
          throw new ClaimFileError(basename(this.inputPath), 'unreadable_file', `not FHIR JSON: ${error.reason}`);
        }
        const reason = error.fatal ? `${error.reason}; the rest of the file is not read` : error.reason;
        this.errors.push({ position: `line ${error.line}`, reason });
      },
    });
    for await (const chunk of readTextChunks(this.inputPath)) {
      scanner.push(chunk);
      await this.writer.flush();
      await this.pending.flush();
    }
    scanner.end();
    await this.pending.close();
    await this.writeUnadjudicatedClaims();
    await this.writer.close();
    return { claims: this.claims, lines: this.lines, errors: this.errors, otherTables: this.otherTables };
  }

  async cleanUp(): Promise<void> {
    this.writer.destroy();
    this.pending.destroy();
    await rm(this.pendingPath, { force: true });
  }

  private handleValue(value: ScannedValue): void {
    this.sawValue = true;
    this.inBundle ||= value.kind === 'entry';
    const position = value.kind === 'entry' ? `entry ${value.index}` : `line ${value.line}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(value.text);
    } catch {
      this.errors.push({ position, reason: 'invalid JSON' });
      return;
    }
    if (value.kind === 'entry') this.handleResource(field(parsed, 'resource'), position);
    else if (field(parsed, 'resourceType') === undefined) {
      this.errors.push({ position, reason: 'not a FHIR resource (no resourceType)' });
    } else this.handleResource(parsed, position);
  }

  private handleResource(resource: unknown, position: string): void {
    const type = field(resource, 'resourceType');
    if (type === 'Bundle') {
      const entries = field(resource, 'entry');
      if (Array.isArray(entries)) {
        entries.forEach((entry, i) => {
          this.handleResource(field(entry, 'resource'), `${position}.${i + 1}`);
        });
      }
    } else if (type === 'Patient') {
      const patient = fhirPatientSchema.safeParse(resource);
      if (patient.success && patient.data.id) {
        const { birthDate = null, gender = null } = patient.data;
        this.patients.set(patient.data.id, { birthDate, gender });
      }
    } else if (type === 'ExplanationOfBenefit' || type === 'Claim') {
      this.handleClaim(resource, type, position);
    }
  }

  private handleClaim(resource: unknown, type: string, position: string): void {
    const parsed = fhirClaimSchema.safeParse(resource);
    if (!parsed.success) {
      this.errors.push({ position, reason: `${type} ${describeIssue(parsed.error)}` });
      return;
    }
    const table = tableOfClaim(parsed.data);
    const ours = table === this.table;
    const mapped: MappedFhirClaim = ours
      ? table === PHARMACY_TABLE
        ? mapFhirPharmacyClaim(parsed.data)
        : mapFhirClaim(parsed.data, this.patients)
      : { claim: {}, lines: [], adjudicates: adjudicatedClaim(parsed.data) };
    if (type === 'ExplanationOfBenefit') {
      if (mapped.adjudicates) this.adjudicated.add(mapped.adjudicates);
      if (!ours) {
        this.countOther(table);
        return;
      }
      this.claims++;
      this.lines += mapped.lines.length;
      this.writer.addClaim(mapped.claim, mapped.lines, REQUIRED_OF[table]);
    } else {
      // Held back: a header with the Claim's id, line count and table, then its lines.
      const header = JSON.stringify([parsed.data.id, mapped.lines.length, table]);
      const lines = ours ? claimLinesNdjson(mapped.claim, mapped.lines, REQUIRED_OF[table]) : '';
      this.pending.addText(`${header}\n${lines}`);
    }
  }

  private countOther(table: string): void {
    this.otherTables[table] = (this.otherTables[table] ?? 0) + 1;
  }

  private async writeUnadjudicatedClaims(): Promise<void> {
    const input = createReadStream(this.pendingPath);
    const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    let keep = false;
    let remaining = 0;
    for await (const line of reader) {
      if (remaining > 0) {
        remaining--;
        if (keep) this.writer.addText(`${line}\n`);
        await this.writer.flush();
        continue;
      }
      const [id, count, table] = JSON.parse(line) as [string, number, string];
      keep = !this.adjudicated.has(id);
      remaining = count;
      if (keep && table !== this.table) {
        this.countOther(table);
        keep = false;
      } else if (keep) {
        this.claims++;
        this.lines += count;
      }
    }
    input.destroy();
    if (!input.closed) await once(input, 'close');
  }
}

const PHARMACY_TABLE = 'pharmacy_claim';
const REQUIRED_OF: Readonly<Record<string, readonly string[]>> = {
  medical_claim: REQUIRED_COLUMNS,
  [PHARMACY_TABLE]: PHARMACY_REQUIRED_COLUMNS,
};

/** The table a claim fills: pharmacy claims their own, every other type medical_claim. */
function tableOfClaim(resource: FhirClaim): string {
  return claimTypeOf(resource.type) === 'pharmacy' ? PHARMACY_TABLE : 'medical_claim';
}

function adjudicatedClaim(resource: FhirClaim): string | null {
  return resource.resourceType === 'ExplanationOfBenefit' ? referenceId(resource.claim) : null;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

/** Where a resource departs from the expected shape: a path and an issue code, never a value. */
function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : 'its root';
  return `does not have the expected shape (${issue?.code ?? 'invalid'} at ${path})`;
}
