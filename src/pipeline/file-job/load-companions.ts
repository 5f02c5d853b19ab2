import { dirname, join } from 'node:path';
import { normalizeHeaderName } from '../../domain/canonical-model.ts';
import { detectFormat } from '../../domain/detect-format.ts';
import { globToRegExp } from '../../domain/glob.ts';
import type { Companion, SourceLayout } from '../../domain/profiles/source-profile.ts';
import { companionColumnsOf, companionTable, type LoadedCompanion } from '../../plan/compile-profile.ts';
import { positionalColumn } from '../../plan/source-columns.ts';
import type { ProfileReport } from '../validation-report.ts';
import type { JobContext } from './job-context.ts';
import type { CsvFileRead, JobWorkspace } from './job-workspace.ts';

export interface Companions {
  readonly loaded: readonly LoadedCompanion[];
  /** Which files each companion was read from, for the report. */
  readonly read: ProfileReport['companions'];
}

/**
 * Each companion file found beside the input, as a temp table of one row per key. Every file a
 * glob matches is read (SynPUF has a beneficiary file per year); a companion whose files lack
 * its key column is left out, and so are its columns.
 */
export async function loadCompanions(job: JobContext, ws: JobWorkspace, layout: SourceLayout): Promise<Companions> {
  const loaded: LoadedCompanion[] = [];
  const read: Array<{ name: string; files: string[] }> = [];
  for (const companion of layout.companions ?? []) {
    const reads = await findCompanionFiles(job, companion);
    // Each column under its first spelling among the files.
    const byName = new Map<string, string>();
    for (const c of reads.flatMap((r) => r.columns))
      if (!byName.has(normalizeHeaderName(c))) byName.set(normalizeHeaderName(c), c);
    if (!byName.has(normalizeHeaderName(companion.key))) continue;
    const columns = companionColumnsOf(layout, companion.name)
      .map((c) => byName.get(normalizeHeaderName(c)))
      .filter((c): c is string => c !== undefined);
    // The files line up by position in [key, ...columns]: each file's first column of each
    // normalised name, so no header (however named or repeated) meets another.
    const wanted = [companion.key, ...columns].map(normalizeHeaderName);
    const selected = reads.map((r) => {
      const names = r.columns.map(normalizeHeaderName);
      return { ...r, select: wanted.map((w) => (names.includes(w) ? names.indexOf(w) : null)) };
    });
    const [key = '', ...values] = wanted.map((_, i) => positionalColumn(i));
    const select = companionTable(key, values, ws.csvFiles(selected), ws.dialect);
    const relation = await job.readOrHalt(() => ws.createTable(`companion_${companion.name}`, select));
    loaded.push({ companion, relation, columns });
    read.push({ name: companion.name, files: reads.map((r) => r.name) });
  }
  return { loaded, read };
}

/** The CSV files beside the input that a companion's globs match (the input itself aside). */
async function findCompanionFiles(
  job: JobContext,
  companion: Companion,
): Promise<Array<CsvFileRead & { readonly name: string }>> {
  const folder = dirname(job.path);
  const globs = companion.files.map((g) => globToRegExp(g, 'i'));
  const names = await job.deps.files.list(folder);
  const reads = [];
  for (const name of names.filter((n) => n !== job.fileName && globs.some((g) => g.test(n))).sort()) {
    const path = join(folder, name);
    const head = await job.readOrHalt(() => job.deps.files.readHead(path));
    const detection = detectFormat(name, head.bytes);
    if (!detection.ok || detection.format.kind !== 'csv') continue;
    const { delimiter, header } = detection.format;
    const maxRecordBytes = job.options.limits.max_record_bytes;
    reads.push({ name, path, gzip: head.gzip, delimiter, columns: header, maxRecordBytes });
  }
  return reads;
}
