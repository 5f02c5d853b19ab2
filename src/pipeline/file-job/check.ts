import { countMissingOptionalColumns } from '../../domain/canonical-model.ts';
import { specOfLayout } from '../../domain/profiles/file-roles.ts';
import { LayoutColumnsError } from '../../domain/profiles/layout-columns-error.ts';
import type { SourceLayout } from '../../domain/profiles/source-profile.ts';
import type { RowRule } from '../../domain/rule.ts';
import { type MapInput, StagePlan } from '../../plan/compile-plan.ts';
import { type CompiledLayout, compileLayout, type LoadedCompanion } from '../../plan/compile-profile.ts';
import { groupInSlices } from './group-in-slices.ts';
import type { JobContext } from './job-context.ts';
import type { Ingested, JobWorkspace, ReaderLines } from './job-workspace.ts';

export interface CheckInput {
  readonly profileName: string;
  readonly layout: SourceLayout;
  readonly ingested: Ingested;
  readonly companions: readonly LoadedCompanion[];
  readonly rules: readonly RowRule[];
  /** Rows the ingest read (`countIngested`). */
  readonly records: number;
  /** What the independent count knows of the reader's lines (blank ones, records spanning lines). */
  readonly readerLines: ReaderLines;
}

/** The checked rows and what compiling the file's layout learnt about its columns. */
export interface Checked {
  /** The staged plan, compiled for the canonical columns the file fills. */
  readonly plan: StagePlan;
  /** A relation of the checked rows: every record of the file once, with its rule bit masks. */
  readonly rows: string;
  /** Records in the file, read or not. */
  readonly sourceRecords: number;
  /** The row number of the first record the reader could not read. */
  readonly firstUnread: number | null;
  /** The position of the first record spanning lines that the reader could not read. */
  readonly unreadSpanning: number | null;
  readonly unknownColumns: readonly string[];
  /** Columns of its table the file lacks (0 for a file that publishes nothing). */
  readonly missingOptional: number;
}

const CHECKED = 'checked';

/** The rows the ingest read, before any is checked (reported even when the layout then rejects the file). */
export async function countIngested(ws: JobWorkspace, ingested: Ingested): Promise<number> {
  const [counted] = await ws.query(`SELECT COUNT(*) AS n FROM ${ingested.rows}`);
  return Number(counted?.n ?? 0);
}

/** map, normalize, check: the ingested rows through the layout, written to scratch as the checked rows. */
export async function check(job: JobContext, ws: JobWorkspace, input: CheckInput): Promise<Checked> {
  const { layout, ingested } = input;
  const compiled = compile(job, ws, input);
  const present = new Set(compiled.mappings.map((m) => m.canonical));
  const spec = specOfLayout(layout);
  const plan = new StagePlan(
    ws.dialect,
    { ...job.options.plan, rules: input.rules },
    present,
    compiled.numberFormats,
    spec.table,
  );
  const mapInput: MapInput = {
    mappings: compiled.mappings,
    extras: compiled.extras,
    lineage: {
      jobId: job.jobId,
      fileName: job.fileName,
      ingestDatetime: job.startedAt.toISOString(),
      dataSource: job.options.dataSource,
    },
    rowNumberExpr: '_row_number',
    ingestErrorExpr: '_ingest_error',
    rawLineExpr: '_raw_line',
  };
  const mappedFrom = (rows: string): string => `(${plan.map(mapInput, compiled.from(rows))}) AS mapped`;
  let sourceRecords = input.records;
  let mapped = mappedFrom(ingested.rows);
  if (compiled.reshapes) {
    // Filters, windows and joins run once, not once per stage that reads the mapped rows.
    const rows = await job.timed('map', () =>
      ws.materialize('mapped', plan.map(mapInput, compiled.from(ingested.rows))),
    );
    mapped = `${rows} AS mapped`;
  }
  let claimStats: string | undefined;
  // The code columns of the lines with a code not in its reference list, in a small table.
  const unknownCodeLinesOf = async (rows: string, suffix: string): Promise<string | undefined> => {
    const unknown = plan.unknownCodes(rows);
    if (unknown === null) return undefined;
    const codes = await ws.materialize(`unknown_codes${suffix}`, unknown);
    return ws.materialize(`unknown_code_lines${suffix}`, plan.unknownCodeLines(rows, codes));
  };
  let rows = await job.timed('check', async () => {
    // Claim-level facts first, into a small table, so the row checks stream past a tiny join.
    if (plan.claimStats(mapped)) {
      claimStats = await groupInSlices(
        ws,
        'claim_stats',
        sourceRecords,
        (slice) => plan.claimStats(mapped, slice) ?? '',
      );
    }
    const unknownCodeLines = await unknownCodeLinesOf(mapped, '');
    return ws.materialize(CHECKED, plan.check(mapped, { claimStats, unknownCodeLines }));
  });
  // Rare: records the reader could not read, checked and numbered among the others.
  const unread = ingested.unread && (await ws.loadUnread(ingested.unread, input.readerLines));
  if (unread) {
    sourceRecords += unread.count;
    const unreadRows = mappedFrom(unread.rows);
    const unknownCodeLines = await unknownCodeLinesOf(unreadRows, '_unread');
    rows = await ws.mergeUnread(CHECKED, unread, plan.check(unreadRows, { claimStats, unknownCodeLines }));
  }
  return {
    plan,
    rows,
    sourceRecords,
    firstUnread: unread?.first ?? null,
    unreadSpanning: unread?.firstSpanning ?? null,
    unknownColumns: compiled.unknownColumns,
    missingOptional: spec.published ? countMissingOptionalColumns(present, spec.table.columns) : 0,
  };
}

/** The layout's SQL over the file's columns; a file lacking a column its role requires is rejected. */
function compile(
  job: JobContext,
  ws: JobWorkspace,
  { profileName, layout, ingested, companions }: CheckInput,
): CompiledLayout {
  let compiled: CompiledLayout;
  try {
    compiled = compileLayout(layout, ingested.source, companions, ws.dialect, job.fileName);
  } catch (error) {
    if (!(error instanceof LayoutColumnsError)) throw error;
    throw job.halt(
      'missing_required_column',
      `the ${profileName}/${layout.id} layout needs ${error.missing.join(', ')}, which the file lacks`,
    );
  }
  const present = new Set(compiled.mappings.map((m) => m.canonical));
  const missing = specOfLayout(layout).required.filter((c) => !present.has(c));
  if (missing.length > 0) throw job.halt('missing_required_column', `the header lacks ${missing.join(', ')}`);
  return compiled;
}
