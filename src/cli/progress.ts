import { basename } from 'node:path';
import type { RunProgress } from '../pipeline/run-pipeline.ts';
import { describeStage, type StageReading, stageRecord } from './progress-line.ts';

/**
 * `tty`: a bar redrawn in place; `plain`: lines a log keeps (cron's mail, CI, Airflow);
 * `json`: the same as JSON lines (`--json`, whose stdout is the summary document); `off`.
 */
export type ProgressMode = 'tty' | 'plain' | 'json' | 'off';

const TTY_EVERY_MS = 500;
const BAR_WIDTH = 30;

/** On a terminal a bar, elsewhere lines; `--json` on a terminal shows none (its stdout shares the screen). */
export function progressModeOf(stderrIsTty: boolean, json: boolean): ProgressMode {
  if (stderrIsTty) return json ? 'off' : 'tty';
  return json ? 'json' : 'plain';
}

export interface Progress {
  update(progress: RunProgress): void;
  done(): void;
}

/**
 * Progress on stderr: a line when a file starts, one every `everyMs` with its stage's figures
 * (share, rows, rate, ETA where the engine gives them: see progress-line.ts), one when it ends
 * with its rows and rate. File names and counts only: never a claim's value.
 */
export function createProgress(
  mode: ProgressMode,
  everyMs: number,
  write: (text: string) => void = (text) => process.stderr.write(text),
): Progress {
  let current: RunProgress | null = null;
  let fileStarted = 0;
  let stageStarted = 0;
  let shown = false;
  const reading = (p: RunProgress): StageReading => ({
    stage: p.stage,
    stageMs: Date.now() - stageStarted,
    gauge: p.gauge?.() ?? null,
  });
  const prefix = (p: RunProgress, n: number): string => `claimflow: [${n}/${p.total}] ${basename(p.file)}: `;
  const record = (p: RunProgress, n: number, fields: Record<string, unknown>): void =>
    write(`${JSON.stringify({ event: 'progress', file: p.file, index: n, total: p.total, ...fields })}\n`);

  const drawBar = (p: RunProgress, filesDone: number, detail: string): void => {
    const filled = Math.round((filesDone / p.total) * BAR_WIDTH);
    const name = p.file.length > 40 ? `…${p.file.slice(-39)}` : p.file;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${filesDone}/${p.total} ${name} ${detail}`;
    const columns = process.stderr.columns;
    write(`\r${columns ? line.slice(0, columns - 1) : line}\x1b[K`);
    shown = true;
  };
  const tick = (): void => {
    const p = current;
    if (!p) return;
    if (mode === 'tty') drawBar(p, p.index, describeStage(reading(p)));
    else if (mode === 'plain') write(`${prefix(p, p.index + 1)}${describeStage(reading(p))}\n`);
    else if (mode === 'json')
      record(p, p.index + 1, { ...stageRecord(reading(p)), elapsed_ms: Date.now() - fileStarted });
  };
  const finish = (p: RunProgress): void => {
    const ms = Date.now() - fileStarted;
    const rate = p.rows === undefined ? null : Math.round(p.rows / Math.max(ms / 1000, 0.001));
    if (mode === 'json') record(p, p.index, { stage: 'done', rows: p.rows ?? null, elapsed_ms: ms, rows_per_s: rate });
    else if (mode === 'plain') {
      const rows = p.rows === undefined || rate === null ? '' : ` ${count(p.rows)} rows`;
      const speed = rate === null ? '' : ` (${count(rate)} rows/s)`;
      write(`${prefix(p, p.index)}done,${rows} in ${(ms / 1000).toFixed(1)}s${speed}\n`);
    } else drawBar(p, p.index, 'done');
  };

  const timer = mode === 'off' ? undefined : setInterval(tick, mode === 'tty' ? TTY_EVERY_MS : everyMs);
  timer?.unref();
  return {
    update(p) {
      if (mode === 'off') return;
      if (p.stage === 'done') {
        current = null;
        finish(p);
        return;
      }
      if (current?.file !== p.file) {
        fileStarted = Date.now();
        if (mode === 'plain') write(`${prefix(p, p.index + 1)}started\n`);
        if (mode === 'json') record(p, p.index + 1, { stage: 'started' });
      }
      if (current?.file !== p.file || current.stage !== p.stage) stageStarted = Date.now();
      current = p;
      if (mode === 'tty') tick();
    },
    done() {
      clearInterval(timer);
      if (shown) write('\n');
    },
  };
}

const count = (n: number): string => n.toLocaleString('en-US');
