/** Extensions of the files claimflow reads: delimited text, JSON, X12 837 (optionally gzip). */
const CLAIM_FILE = /\.(csv|tsv|psv|txt|dat|json|ndjson|jsonl|837|837p|837i|edi|x12)(\.gz)?$/i;

/** Files that ship beside data sets (README.txt, LICENSE-2.0.txt, SOURCE.txt, NOTICE...). */
const DOCUMENT_NAME = /^(readme|licen[cs]e|notice|source|copying|changelog|changes|authors|contributing|citation)\b/i;
/** Plain-text extensions that hold prose as often as claims. */
const PROSE_PRONE = /\.(txt|dat)(\.gz)?$/i;

export function isClaimFileName(name: string): boolean {
  return CLAIM_FILE.test(name);
}

/**
 * Why a file found in a folder (or the inbox) is not a claim file, or null when it may be one:
 * a documentation name, or (given its first bytes) a `.txt`/`.dat` whose first line is prose
 * rather than a delimited header, X12 or JSON. Such files are skipped and listed, not failed.
 */
export function nonClaimReason(name: string, head?: string): string | null {
  if (DOCUMENT_NAME.test(name)) return 'not a claim file: a documentation file (README, LICENSE, SOURCE...)';
  // Compressed content (gzip starts with 1f 8b) is judged once it is read, not by its bytes here.
  if (head === undefined || !PROSE_PRONE.test(name) || head.startsWith('\x1f')) return null;
  const first =
    head
      .replace(/^\uFEFF/, '')
      .split(/\r?\n|\r/)
      .find((line) => line.trim() !== '') ?? '';
  if (/^\s*(ISA|[[{])/.test(first) || /[,|\t]/.test(first)) return null;
  return 'not a claim file: text without a delimited header, X12 or JSON';
}
