import { dirname, join } from 'node:path';
import { normalizeHeaderName } from '../../domain/canonical-model.ts';
import { detectFormat } from '../../domain/detect-format.ts';
import { globToRegExp } from '../../domain/glob.ts';
import type { Companion, SourceLayout } from '../../domain/profiles/source-profile.ts';
import { companionColumnsOf, companionTable, type LoadedCompanion } from '../../plan/compile-profile.ts';
import { positionalColumn } from '../../plan/source-columns.ts';
import type { ProfileReport } from '../validation-report.ts';
import type { PlanningDeps } from './file-job-options.ts';
import type { JobContext } from './job-context.ts';
import type { CsvColumnsRead, CsvFileRead, JobWorkspace } from './job-workspace.ts';

export interface Companions {
  readonly loaded: readonly LoadedCompanion[];
  /** Which files each companion was read from, for the report. */
  readonly read: ProfileReport['companions'];
}

/** A companion's files found beside the input, and the companion columns the layout reads. */
export interface FoundCompanion {
  readonly companion: Companion;
  /** The companion columns the layout reads, each under its first spelling among the files. */
  readonly columns: readonly string[];
  /**
   * Each file, lined up by position in [key, ...columns]: `select` holds the position in its header
   * of each one's first column of that normalised name, or null where it has none.
   */
  readonly files: ReadonlyArray<CsvColumnsRead & { readonly name: string }>;
}

/**
 * Each companion's files found beside the input. Every file a glob matches is read (SynPUF has a
 * beneficiary file per year); a companion whose files lack its key column is left out, and so
 * are its columns. No header (however named or repeated) meets another.
 */
export async function findCompanions(job: JobContext<PlanningDeps>, layout: SourceLayout): Promise<FoundCompanion[]> {
  const found: FoundCompanion[] = [];
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
    const wanted = [companion.key, ...columns].map(normalizeHeaderName);
    const files = reads.map((r) => {
      const names = r.columns.map(normalizeHeaderName);
      return { ...r, select: wanted.map((w) => (names.includes(w) ? names.indexOf(w) : null)) };
    });
    found.push({ companion, columns, files });
  }
  return found;
}

/** Each companion file found beside the input, as a temp table of one row per key. */
export async function loadCompanions(job: JobContext, ws: JobWorkspace, layout: SourceLayout): Promise<Companions> {
  const loaded: LoadedCompanion[] = [];
  const read: Array<{ name: string; files: string[] }> = [];
  for (const { companion, columns, files } of await findCompanions(job, layout)) {
    const [key = '', ...values] = [companion.key, ...columns].map((_, i) => positionalColumn(i));
    const select = companionTable(key, values, ws.csvFiles(files), ws.dialect);
    const relation = await job.readOrHalt(() => ws.createTable(`companion_${companion.name}`, select));
    loaded.push({ companion, relation, columns });
    read.push({ name: companion.name, files: files.map((r) => r.name) });
  }
  return { loaded, read };
}

/** The CSV files beside the input that a companion's globs match (the input itself aside). */
async function findCompanionFiles(
  job: JobContext<PlanningDeps>,
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
