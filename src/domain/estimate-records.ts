const LF = 0x0a;

/**
 * About how many records a file of `size` bytes holds, from the line ends in its first bytes
 * (`head`, decompressed): for progress while the engine reads it, never for a count that is
 * reported. Null when the head holds no whole record to go by.
 */
export function estimateRecords(head: Uint8Array, size: number, headerLines: 0 | 1): number | null {
  let lines = 0;
  for (const byte of head) if (byte === LF) lines++;
  if (head.length >= size) {
    // The whole file is in the head: its last line may lack a line end.
    const last = head.length > 0 && head[head.length - 1] !== LF ? 1 : 0;
    return Math.max(0, lines + last - headerLines);
  }
  if (lines <= headerLines) return null;
  return Math.max(0, Math.round((size * lines) / head.length) - headerLines);
}
