/**
 * What a record-format converter (X12 837, FHIR) reports. Errors name a position
 * ("segment 57", "entry 3", "line 12") and a segment id, never a claim value; an error
 * drops only the claim it is in.
 */
export interface ConversionError {
  readonly position: string;
  readonly segment?: string;
  readonly reason: string;
}

export interface ConversionResult {
  readonly claims: number;
  readonly lines: number;
  readonly errors: ConversionError[];
  /** Claims of other tables than the one converted (FHIR pharmacy claims beside medical ones), by table. */
  readonly otherTables?: Readonly<Record<string, number>>;
}

/** One claim line: canonical column names to text, null when the source has no value. */
export type CanonicalLine = Record<string, string | null>;
