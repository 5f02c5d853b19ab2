import { basename } from 'node:path';
import type { RunProgress } from '../pipeline/run-pipeline.ts';

/** How often a line is printed when stderr is not a terminal (a log file, cron's mail, Airflow's log). */
const PLAIN_EVERY_MS = 10_000;
const TTY_EVERY_MS = 500;

const rate = (rows: number, ms: number): string =>
  `${Math.round(rows / Math.max(ms / 1000, 0.001)).toLocaleString('en-US')} rows/s`;

/**
 * Progress on stderr: on a terminal a bar redrawn in place; otherwise plain lines when a file
 * starts, every 10 s with its stage and time so far, and when it ends with its rows and rate.
 * (DuckDB's query progress reads -1 through @duckdb/node-api 1.5, so rows within a file are not shown.)
 */
export function createProgress(mode: 'tty' | 'plain' | 'off'): { update: (p: RunProgress) => void; done: () => void } {
  let current: RunProgress | null = null;
  let fileStarted = 0;
  let shown = false;
  const detail = (): string => ` (${((Date.now() - fileStarted) / 1000).toFixed(0)}s)`;
  const draw = (): void => {
    if (!current) return;
    const { file, index, total, stage } = current;
    if (mode === 'tty') {
      const width = 30;
      const filled = Math.round((index / total) * width);
      const name = file.length > 40 ? `…${file.slice(-39)}` : file;
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${index}/${total} ${name} ${stage}${detail()}\x1b[K`,
      );
      shown = true;
    } else process.stderr.write(`claimflow: [${index + 1}/${total}] ${basename(file)}: ${stage}${detail()}\n`);
  };
  const timer = mode === 'off' ? undefined : setInterval(draw, mode === 'tty' ? TTY_EVERY_MS : PLAIN_EVERY_MS);
  timer?.unref();
  return {
    update(p) {
      if (mode === 'off') return;
      const starts = p.stage !== 'done' && (current === null || current.file !== p.file);
      if (starts) fileStarted = Date.now();
      current = p;
      if (mode === 'tty') draw();
      else if (starts) process.stderr.write(`claimflow: [${p.index + 1}/${p.total}] ${basename(p.file)}: started\n`);
      else if (p.stage === 'done' && p.rows !== undefined)
        process.stderr.write(
          `claimflow: [${p.index}/${p.total}] ${basename(p.file)}: done, ${p.rows} rows in ${((Date.now() - fileStarted) / 1000).toFixed(1)}s (${rate(p.rows, Date.now() - fileStarted)})\n`,
        );
    },
    done() {
      clearInterval(timer);
      if (shown) process.stderr.write('\n');
    },
  };
}
