import { dirname, join } from 'node:path';
import { normalizeHeaderName } from '../../domain/canonical-model.ts';
import { detectFormat } from '../../domain/detect-format.ts';
import { globToRegExp } from '../../domain/glob.ts';
import type { Companion, SourceLayout } from '../../domain/profiles/source-profile.ts';
import { companionColumnsOf, companionTable, type LoadedCompanion } from '../../plan/compile-profile.ts';
import type { ProfileReport } from '../validation-report.ts';
import type { JobContext } from './job-context.ts';
import type { CsvFileRead, JobWorkspace } from './job-workspace.ts';

export interface Companions {
  readonly loaded: readonly LoadedCompanion[];
  /** Which files each companion was read from, for the report. */
  readonly read: ProfileReport['companions'];
}

/** A companion's files found beside the input, with the key and the columns the layout reads, as spelled there. */
export interface FoundCompanion {
  readonly companion: Companion;
  readonly key: string;
  readonly columns: readonly string[];
  /** Each file with its columns under the spelling chosen for all of them, so the files line up by name. */
  readonly files: ReadonlyArray<CsvFileRead & { readonly name: string }>;
}

/**
 * Each companion's files found beside the input. Every file a glob matches is read (SynPUF has a
 * beneficiary file per year); a companion whose files lack its key column is left out, and so
 * are its columns.
 */
export async function findCompanions(job: JobContext, layout: SourceLayout): Promise<FoundCompanion[]> {
  const found: FoundCompanion[] = [];
  for (const companion of layout.companions ?? []) {
    const reads = await findCompanionFiles(job, companion);
    const byName = new Map(reads.flatMap((r) => r.columns).map((c) => [normalizeHeaderName(c), c]));
    const key = byName.get(normalizeHeaderName(companion.key));
    if (!key) continue;
    const columns = companionColumnsOf(layout, companion.name)
      .map((c) => byName.get(normalizeHeaderName(c)))
      .filter((c): c is string => c !== undefined);
    const files = reads.map((r) => ({ ...r, columns: spellAs(r.columns, byName) }));
    found.push({ companion, key, columns, files });
  }
  return found;
}

/** Each companion file found beside the input, as a temp table of one row per key. */
export async function loadCompanions(job: JobContext, ws: JobWorkspace, layout: SourceLayout): Promise<Companions> {
  const loaded: LoadedCompanion[] = [];
  const read: Array<{ name: string; files: string[] }> = [];
  for (const { companion, key, columns, files } of await findCompanions(job, layout)) {
    const select = companionTable(key, columns, ws.csvFiles(files), ws.dialect);
    const relation = await job.readOrHalt(() => ws.createTable(`companion_${companion.name}`, select));
    loaded.push({ companion, relation, columns });
    read.push({ name: companion.name, files: files.map((r) => r.name) });
  }
  return { loaded, read };
}

/** A header's columns renamed to `byName`'s spelling, where no other column of the header shares the name. */
function spellAs(header: readonly string[], byName: ReadonlyMap<string, string>): string[] {
  const normalized = header.map(normalizeHeaderName);
  return header.map((column, i) => {
    const name = normalized[i] as string;
    const unique = normalized.indexOf(name) === normalized.lastIndexOf(name);
    return unique ? (byName.get(name) ?? column) : column;
  });
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
