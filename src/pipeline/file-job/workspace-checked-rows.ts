import { DIMENSIONS } from '../../domain/quality-score.ts';
import type { RuleDimension } from '../../domain/rule.ts';
import { SAMPLES_PER_RULE } from '../../plan/compile-plan.ts';
import type { RuleSample } from '../validation-report.ts';
import type { Checked } from './check.ts';
import type { CheckedRows, CheckSummary, DuplicateCounts, Measured } from './checked-rows.ts';
import { groupInSlices } from './group-in-slices.ts';
import type { JobWorkspace, StagedClaimFile, StagedFile } from './job-workspace.ts';

/** The checked rows in an engine's workspace: measured, deduplicated and staged by the plan's SQL. */
export class WorkspaceCheckedRows implements CheckedRows {
  private duplicates: string | null = null;

  constructor(
    private readonly ws: JobWorkspace,
    private readonly checked: Checked,
  ) {}

  async summarize(): Promise<CheckSummary> {
    const [row] = await this.ws.query(this.checked.plan.checkSummary(this.checked.rows));
    return { total: Number(row?.total ?? 0), quarantined: Number(row?.quarantined ?? 0) };
  }

  async measure(summary: CheckSummary): Promise<Measured> {
    const { plan, rows } = this.checked;
    const counts = new Map<string, number>();
    for (const row of await this.ws.query(plan.ruleCounts(rows)))
      counts.set(String(row.rule_id), Number(row.row_count));
    const samples = new Map<string, RuleSample[]>();
    for (const row of await this.ws.query(plan.ruleSamples(rows, SAMPLES_PER_RULE))) {
      const id = String(row.rule_id);
      samples.set(id, [
        ...(samples.get(id) ?? []),
        {
          source_row_number: Number(row.source_row_number),
          claim_id: row.claim_id == null ? null : String(row.claim_id),
          claim_line_number: row.claim_line_number == null ? null : String(row.claim_line_number),
        },
      ]);
    }
    const [failures] = await this.ws.query(plan.dimensionFailures(rows, DIMENSIONS));
    const dimensionFailures = Object.fromEntries(DIMENSIONS.map((d) => [d, Number(failures?.[d] ?? 0)])) as Record<
      RuleDimension,
      number
    >;
    return { ...summary, counts, samples, dimensionFailures };
  }

  async countDuplicates(): Promise<DuplicateCounts> {
    const { plan, rows, sourceRecords } = this.checked;
    const repeated = await groupInSlices(this.ws, 'repeated_keys', sourceRecords, (slice) =>
      plan.repeatedKeys(rows, slice),
    );
    this.duplicates = await this.ws.createTable('duplicates', plan.duplicates(rows, repeated));
    const [row] = await this.ws.query(plan.duplicateCounts(this.duplicates));
    return {
      repeated_rows: Number(row?.repeated_rows ?? 0),
      distinct_lines: Number(row?.distinct_lines ?? 0),
      kept: Number(row?.kept ?? 0),
      flagged: Number(row?.flagged ?? 0),
    };
  }

  async stageQuarantine(): Promise<StagedFile[]> {
    return [await this.ws.stage('quarantine', this.checked.plan.quarantine(this.checked.rows))];
  }

  async stageClaims(): Promise<StagedClaimFile[]> {
    if (!this.duplicates) throw new Error('claims are staged after their duplicates are counted');
    return this.ws.stagePartitioned('claims', this.checked.plan.publish(this.checked.rows, this.duplicates));
  }
}
