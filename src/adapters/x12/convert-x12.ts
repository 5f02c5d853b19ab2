import { basename } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { REQUIRED_COLUMNS } from '../../domain/canonical-model.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import { ELIGIBILITY_REQUIRED_COLUMNS } from '../../domain/tables/eligibility-model.ts';
import type { CanonicalLine, ConversionError, ConversionResult } from '../records/conversion-result.ts';
import { NdjsonLineWriter } from '../records/ndjson-line-writer.ts';
import { readTextChunks } from '../records/read-text-chunks.ts';
import { Claim837Mapper } from './claim-837-mapper.ts';
import { Enrollment834Mapper } from './enrollment-834-mapper.ts';
import { X12SegmentReader, X12SyntaxError } from './x12-segment-reader.ts';

const MEDICAL = 'medical_claim';

/**
 * Converts an X12 837P/837I file (gzip or not) into canonical NDJSON claim lines, streaming:
 * memory holds one input chunk, one claim and the output buffer, whatever the file size.
 * A file that is not X12 at all is rejected whole (`unreadable_file`); a syntax error later in
 * the file keeps what was converted before it and reports the rest as unread. 834 enrollment
 * transaction sets fill eligibility (one span per member coverage): only `table`'s records are
 * written, the others counted in `otherTables` (837 claims, 834 members).
 */
export function convertX12(inputPath: string, outputPath: string, table = MEDICAL): Promise<ConversionResult> {
  return convertX12Stream({ name: basename(inputPath), source: inputPath }, outputPath, table);
}

/**
 * `convertX12` from a file or a byte stream (an S3 object's body) to a file or a writable stream
 * (a multipart upload's body); `name` names the file in a rejection.
 */
export async function convertX12Stream(
  input: { readonly name: string; readonly source: string | Readable },
  output: string | Writable,
  table = MEDICAL,
): Promise<ConversionResult> {
  const writer = new NdjsonLineWriter(output);
  const errors: ConversionError[] = [];
  const otherTables: Record<string, number> = {};
  let claims = 0;
  let lines = 0;
  let position = 0;
  /** A claim or member of `of`: written when the job converts that table, else counted for another job. */
  const take = (of: string, records: CanonicalLine[], required: readonly string[], head: CanonicalLine = {}): void => {
    if (of !== table) {
      otherTables[of] = (otherTables[of] ?? 0) + 1;
      return;
    }
    claims++;
    lines += records.length;
    writer.addClaim(head, records, required);
  };
  const mapper = new Claim837Mapper({
    claim: (claim, claimLines) => take(MEDICAL, claimLines, REQUIRED_COLUMNS, claim),
    error(error) {
      errors.push(error);
    },
  });
  const enrollments = new Enrollment834Mapper({
    member: (spans) => take('eligibility', spans, ELIGIBILITY_REQUIRED_COLUMNS),
  });
  const reader = new X12SegmentReader((segment) => {
    position = segment.position;
    mapper.handle(segment);
    enrollments.handle(segment);
  });
  try {
    try {
      for await (const chunk of readTextChunks(input.source)) {
        reader.push(chunk);
        await writer.flush();
      }
      reader.end();
    } catch (error) {
      if (!(error instanceof X12SyntaxError)) throw error;
      if (error.position === 1) {
        throw new ClaimFileError(input.name, 'unreadable_file', `not X12: ${error.reason}`, { cause: error });
      }
      errors.push({
        position: `segment ${error.position}`,
        reason: `${error.reason}; the rest of the file is not read`,
      });
    }
    mapper.end(position);
    enrollments.end();
    await writer.close();
  } catch (error) {
    writer.destroy();
    throw error;
  }
  return { claims, lines, errors, otherTables };
}
