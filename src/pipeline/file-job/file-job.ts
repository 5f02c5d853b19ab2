import type { InputFormat } from '../../domain/detect-format.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import { archiveKey } from '../../domain/store-layout.ts';
import type { FileStamp } from '../ports.ts';
import type { JobStatus } from '../validation-report.ts';
import { check, countIngested } from './check.ts';
import { chooseProfile } from './choose-profile.ts';
import { convertRecords } from './convert-records.ts';
import {
  readerLinesOf,
  reconcileRecordCount,
  refuseUnterminatedQuote,
  startSourceCount,
} from './count-source-records.ts';
import type { FileJobDeps, FileJobOptions, FileJobResult } from './file-job-options.ts';
import { recordReport } from './file-report.ts';
import { ingestGauge } from './ingest-gauge.ts';
import { quarantineInput } from './input-copies.ts';
import { JobContext } from './job-context.ts';
import { type JobFindings, reportOf, resultOf } from './job-findings.ts';
import type { Ingested, JobWorkspace } from './job-workspace.ts';
import { loadCompanions } from './load-companions.ts';
import { checkColumnCount, openInput } from './open-input.ts';
import { judgeChecked, publishChecked } from './publish-checked.ts';
import { refuseChangedFile } from './refuse-changed-file.ts';
import { WorkspaceCheckedRows } from './workspace-checked-rows.ts';

/** The input's copy in the archive (none for `validate`) and its SHA-256. */
type Archived = { readonly key: string | null; readonly sha256: string };

/** Runs the staged plan over one claim file and publishes its outputs. Never throws for bad data. */
export async function processFile(path: string, deps: FileJobDeps, options: FileJobOptions): Promise<FileJobResult> {
  const job = new JobContext(path, deps, options);
  const { logger, store } = deps;
  logger.info('job started', { job_id: job.jobId, file: job.fileName, mode: options.mode });
  // Taken before any read: a write or a replacement from here on is seen before anything is published.
  const stamped = deps.files.stamp(path);
  stamped.catch(() => undefined);
  // The kernel copies the input while the engine reads it; nothing is published before the copy is done.
  const archived = job.timed('archive', () => stamped.then(() => archive(job)));
  // Awaited on every path below; this only keeps a failure from being reported as unhandled meanwhile.
  archived.catch(() => undefined);
  const found: JobFindings = {};
  const workspace: { current?: JobWorkspace } = {};
  let status: JobStatus = 'SUCCEEDED';
  try {
    await runStages(job, found, workspace, archived, stamped);
  } catch (error) {
    if (!(error instanceof ClaimFileError)) {
      // The copy ends before the job does: none is still being written after a failure.
      await archived.catch(() => undefined);
      throw error;
    }
    status = 'FAILED';
    logger.warn('file rejected', { job_id: job.jobId, file: job.fileName, rule_id: error.ruleId });
    found.fileError = { rule_id: error.ruleId, reason: error.reason };
    if (options.mode === 'run') found.quarantineFile = await quarantineInput(store, { local: path }, job);
  } finally {
    await workspace.current?.dispose();
    await store.dropScratch(job.jobId);
  }
  const { key, sha256 } = await archived;
  const { facts, findings } = reportOf(job, found, { status, archive: key, sha256 });
  const report = await recordReport(deps, facts, findings);
  return resultOf(job, found, { status, report });
}

/**
 * The stages of DESIGN.md in order: read the head, choose the profile, ingest (converting record
 * formats first), map, normalize and check, measure and judge the file, then dedupe, route and
 * publish through the path both engines share. A stage that rejects the file throws ClaimFileError.
 */
async function runStages(
  job: JobContext,
  found: JobFindings,
  workspace: { current?: JobWorkspace },
  archived: Promise<Archived>,
  stamped: Promise<FileStamp>,
): Promise<void> {
  const before = await job.readOrHalt(() => stamped);
  const { head, format, recordKind } = await openInput(job);
  const counting = recordKind ? null : startSourceCount(job, format, head);
  const scratch = await job.deps.store.scratchDir(job.jobId);
  const ws = job.deps.engine.openWorkspace(job.jobId, scratch);
  workspace.current = ws;
  const ingest = async (path: string, as: InputFormat, gzip: boolean): Promise<Ingested> => {
    const converted = path !== job.path;
    // Only a progress display reads the gauge: without one, not even the file's size is asked for.
    const gauge = job.deps.onStage
      ? await ingestGauge(job, {
          path,
          format: as,
          gzip,
          head: converted ? null : head,
          lines: converted ? (found.conversion?.lines ?? null) : null,
        })
      : undefined;
    return job.timed(
      'ingest',
      () =>
        job.readOrHalt(() =>
          ws.ingest({ path, format: as, gzip, maxRecordBytes: job.options.limits.max_record_bytes }),
        ),
      gauge,
    );
  };
  // JSON keys come from every record, so tabular JSON is read before its profile is chosen.
  let ingested = !recordKind && format.kind !== 'csv' ? await ingest(job.path, format, head.gzip) : null;
  if (ingested) checkColumnCount(job, ingested.source.names.length, 'records');
  const sample = { recordKind, columns: format.kind === 'csv' ? format.header : (ingested?.source.names ?? []) };
  let chosen = chooseProfile(job, sample, job.options.recordTable);
  found.chosen = chosen;
  const { profile } = chosen.selection;
  found.format = profile.kind === 'tabular' ? format.kind : profile.kind;
  if (profile.kind !== 'tabular') {
    const records = `${scratch}/records.ndjson`;
    found.conversion = await convertRecords(job, profile.kind, records);
    // A file of another table's claims alone takes that table's layout.
    if (found.conversion.table !== chosen.table.name) {
      chosen = chooseProfile(job, sample, found.conversion.table);
      found.chosen = chosen;
    }
    ingested = await ingest(records, { kind: 'ndjson' }, false);
  }
  const { layout } = chosen.selection;
  ingested ??= await ingest(job.path, format, head.gzip);
  // Converted records are counted by their converter; the source's own bytes are counted here.
  const counted = profile.kind === 'tabular' ? await counting : null;
  if (counted) refuseUnterminatedQuote(job, counted);
  if (layout.companions?.length) {
    found.companions = await job.timed('companions', () => loadCompanions(job, ws, layout));
  }
  found.sourceRecords = await countIngested(ws, ingested);
  job.rows = found.sourceRecords;
  const checked = await check(job, ws, {
    profileName: profile.name,
    layout,
    ingested,
    companions: found.companions?.loaded ?? [],
    rules: chosen.rules,
    records: found.sourceRecords,
    readerLines: readerLinesOf(counted),
  });
  found.checked = checked;
  found.sourceRecords = checked.sourceRecords;
  job.rows = checked.sourceRecords;
  if (counted) {
    // A change between the count's read and the engine's explains any disagreement: say so.
    await refuseChangedFile(job, before);
    reconcileRecordCount(job, counted, { records: checked.sourceRecords, ...checked });
  }
  const rows = new WorkspaceCheckedRows(ws, checked);
  const { measured, halt } = await judgeChecked(rows, chosen.rules, job.options.errorRateThreshold, job.timed);
  found.measured = measured;
  if (halt) throw job.halt(halt.rule_id, halt.reason);
  await archived;
  await refuseChangedFile(job, before);
  if (!chosen.publishes) return;
  found.published = await publishChecked(rows, measured, {
    store: job.deps.store,
    sourceKey: job.sourceKey,
    table: chosen.table.name,
    mode: job.options.mode,
    timed: job.timed,
    exclusive: job.deps.exclusive ?? ((work) => work()),
  });
}

/** `run` archives the input (hashing it on the way); `validate` only hashes it. */
async function archive(job: JobContext): Promise<Archived> {
  if (job.options.mode === 'validate') return { key: null, sha256: await job.deps.files.hash(job.path) };
  const key = archiveKey(job.startedAt, job.jobId, job.fileName);
  return { key, sha256: await job.deps.store.copyIn(job.path, key) };
}
