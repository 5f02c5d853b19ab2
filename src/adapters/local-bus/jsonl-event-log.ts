import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Events as JSON lines in `<root>/events/YYYY-MM-DD.jsonl`, one line per event, appended in order. */
export class JsonlEventLog {
  private readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'events');
  }

  append(event: object, at: Date): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // One write per line: appends of a line are atomic, so concurrent jobs never interleave.
    appendFileSync(join(this.dir, `${at.toISOString().slice(0, 10)}.jsonl`), `${JSON.stringify(event)}\n`, {
      mode: 0o600,
    });
  }

  /** Every line so far, oldest first, and where to continue from. */
  read(after: { file: string; line: number } = { file: '', line: 0 }): {
    lines: string[];
    position: { file: string; line: number };
  } {
    if (!existsSync(this.dir)) return { lines: [], position: after };
    const files = readdirSync(this.dir)
      .filter((f) => f.endsWith('.jsonl') && f >= after.file)
      .sort();
    const lines: string[] = [];
    let position = after;
    for (const file of files) {
      const all = readFileSync(join(this.dir, file), 'utf8').split('\n');
      const complete = all.slice(0, -1); // the last element is '' or a line still being written
      const from = file === after.file ? after.line : 0;
      lines.push(...complete.slice(from));
      position = { file, line: complete.length };
    }
    return { lines, position };
  }
}
