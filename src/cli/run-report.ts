import { basename } from 'node:path';
import { sanitizeErrorMessage } from '../domain/redact.ts';
import type { FileOutcome, RunSummary } from '../pipeline/run-pipeline.ts';
import {
  type FileSignal,
  type Gates,
  judgeFile,
  rulesSourcesCannotFeed,
  rulesWantingLists,
  topFailingRules,
  type Verdict,
} from '../pipeline/run-signals.ts';
import type { RunFlags } from './options.ts';

/** Exit codes; `rootLocked`: another command is writing the root, and trying again later can succeed. */
export const EXIT = { ok: 0, usage: 1, fileFailed: 2, system: 3, rootLocked: 4 } as const;

/** A file a folder or glob matched that was not read, and why. */
export interface SkippedInput {
  readonly file: string;
  readonly reason: string;
}

/** The reference folder the run used, for the word on skipped code-set rules. */
export interface RefdataUse {
  readonly folder: string | null;
  readonly lists: number;
}

export const gatesOf = (flags: RunFlags): Gates => ({
  failOn: flags.failOn,
  maxQuarantineRate: flags.maxQuarantineRate,
  minScore: flags.minScore,
});

const MARK: Readonly<Record<Verdict, string>> = { pass: 'PASS  ', warn: 'WARN  ', fail: 'FAIL  ', error: 'ERROR ' };

/** The file's name as it is (file names are not PHI, and may hold brackets or quotes), then the sanitised reason. */
export function describeFailure(file: string, message: string): string {
  return `${basename(file)}: ${sanitizeErrorMessage(message)}`;
}

/** One outcome line per file (and its report's path), like dbt's per-model lines. */
export function fileLines(outcome: FileOutcome, signal: FileSignal): string[] {
  const r = outcome.report;
  const head = `  ${MARK[signal.verdict]} ${outcome.job_id}  ${outcome.file}`;
  if (!r) return [head];
  const quality = r.quality ? `, quality ${r.quality.score} (${r.quality.grade})` : '';
  const detail = signal.counted
    ? `${r.summary.total_records} rows, ${r.summary.error_records} quarantined${quality}`
    : `${r.summary.total_records} rows, ${r.profile?.role ?? 'companion'} file: checked, not published, not counted`;
  return [`${head}  (${detail})`, `         report: ${r.html_report_location}`];
}

/** stderr lines that say why a file failed: its rejection, or each gate it failed. */
export function failureLines(outcome: FileOutcome, signal: FileSignal): string[] {
  if (outcome.message) return [`claimflow: ${describeFailure(outcome.file, outcome.message)}`];
  return signal.gatesFailed.map((gate) => `claimflow: ${basename(outcome.file)}: gate ${gate}`);
}

/** The lines after the totals that say why: uncounted rows, top rules, skipped code-set and source rules, skipped files. */
export function whyLines(
  summary: Pick<RunSummary, 'files' | 'not_counted'>,
  refdata: RefdataUse,
  skipped: readonly SkippedInput[],
): string[] {
  const lines: string[] = [];
  const { not_counted: uncounted } = summary;
  if (uncounted.files.length > 0)
    lines.push(
      `  not counted: ${uncounted.rows} rows of ${uncounted.files.length} companion file(s) (${uncounted.files.map((f) => basename(f)).join(', ')}), checked but not published`,
    );
  const reports = summary.files.map((f) => f.report);
  const top = topFailingRules(reports);
  if (top.length > 0)
    lines.push(
      `  top failing rules: ${top.map((t) => `${t.rule_id} ${t.rows} row${t.rows === 1 ? '' : 's'} (${t.action})`).join(', ')}`,
    );
  const wanting = rulesWantingLists(reports);
  if (refdata.folder && refdata.lists === 0)
    lines.push(
      `  --refdata ${refdata.folder} holds no reference lists (expected files laid out like ../shared/refdata, e.g. icd10cm/icd10cm_order_2022.csv, tuva-terminology/terminology__place_of_service.csv)`,
    );
  if (wanting.length > 0) {
    const why = !refdata.folder
      ? 'no --refdata given'
      : refdata.lists === 0
        ? '--refdata has no lists for them'
        : '--refdata lacks their lists';
    lines.push(`  code-set rules skipped: ${wanting.length} (${why}): ${wanting.join(', ')}`);
  }
  for (const [source, ids] of rulesSourcesCannotFeed(reports))
    lines.push(`  rules skipped, ${source} never carries their columns: ${ids.length} (${ids.join(', ')})`);
  if (skipped.length > 0) lines.push(`  skipped ${skipped.length} non-claim file(s)`);
  return lines;
}

/** The dbt-style tally: `Done. PASS=3 WARN=1 FAIL=0 ERROR=0 SKIP=2 TOTAL=6`. */
export function tallyLine(signals: readonly FileSignal[], skipped: number): string {
  const count = (v: Verdict): number => signals.filter((s) => s.verdict === v).length;
  return `  Done. PASS=${count('pass')} WARN=${count('warn')} FAIL=${count('fail')} ERROR=${count('error')} SKIP=${skipped} TOTAL=${signals.length + skipped}`;
}

/** 3 when a file errored, 2 when one failed (rejected whole, or a gate), else 0. */
export function exitCodeOf(signals: readonly FileSignal[]): number {
  if (signals.some((s) => s.verdict === 'error')) return EXIT.system;
  if (signals.some((s) => s.verdict === 'fail')) return EXIT.fileFailed;
  return EXIT.ok;
}

/** Each outcome with its verdict under the gates. */
export function judgeAll(files: readonly FileOutcome[], gates: Gates): FileSignal[] {
  return files.map((f) => judgeFile(f, gates));
}
