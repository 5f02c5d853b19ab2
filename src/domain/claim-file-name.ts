/** Extensions of the files claimflow reads: delimited text, JSON, X12 837 (optionally gzip). */
const CLAIM_FILE = /\.(csv|tsv|psv|txt|dat|json|ndjson|jsonl|837|837p|837i|edi|x12)(\.gz)?$/i;

export function isClaimFileName(name: string): boolean {
  return CLAIM_FILE.test(name);
}
