import type { DurationStats, Metrics } from '../pipeline/metrics/compute-metrics.ts';

/** Content type of the Prometheus text exposition format. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const PREFIX = 'claimflow_';

type Labels = Readonly<Record<string, string>>;
interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'summary';
  readonly help: string;
  readonly samples: ReadonlyArray<readonly [suffix: string, labels: Labels, value: number]>;
}

const escapeLabel = (value: string): string =>
  value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}

function renderFamily(family: Family): string {
  const name = PREFIX + family.name;
  const lines = [`# HELP ${name} ${family.help}`, `# TYPE ${name} ${family.type}`];
  for (const [suffix, labels, value] of family.samples) {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
    lines.push(`${name}${suffix}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`);
  }
  return lines.join('\n');
}

const single = (value: number): Family['samples'] => [['', {}, value]];
const summary = (stats: DurationStats, labels: Labels = {}): Family['samples'] => [
  ['_sum', labels, stats.sum],
  ['_count', labels, stats.count],
];

/** The metrics in the Prometheus text format; labels are statuses, stages and scopes only, never file names. */
export function renderPrometheus(m: Metrics): string {
  const families: Family[] = [
    {
      name: 'records_processed_total',
      type: 'counter',
      help: 'Claim lines published by finished jobs.',
      samples: single(m.records_processed_total),
    },
    {
      name: 'records_valid_total',
      type: 'counter',
      help: 'Claim lines that passed the row rules.',
      samples: single(m.records_valid_total),
    },
    {
      name: 'records_quarantined_total',
      type: 'counter',
      help: 'Claim lines quarantined (rows of files rejected whole included).',
      samples: single(m.records_quarantined_total),
    },
    {
      name: 'duplicates_removed_total',
      type: 'counter',
      help: 'Valid claim lines dropped as exact or key duplicates.',
      samples: single(m.duplicates_removed_total),
    },
    {
      name: 'files_processed_total',
      type: 'counter',
      help: 'Finished jobs (one file each) by status.',
      samples: [
        ['', { status: 'SUCCEEDED' }, m.files_processed_total.SUCCEEDED],
        ['', { status: 'FAILED' }, m.files_processed_total.FAILED],
      ],
    },
    {
      name: 'error_rate',
      type: 'gauge',
      help: 'Quarantined share of the claim lines of jobs finished in the last hour.',
      samples: single(m.error_rate),
    },
    {
      name: 'records_processed_per_hour',
      type: 'gauge',
      help: 'Claim lines published by jobs finished in the last hour.',
      samples: single(m.records_processed_per_hour),
    },
    {
      name: 'stage_duration_ms',
      type: 'summary',
      help: 'Milliseconds spent per pipeline stage, over finished jobs.',
      samples: Object.entries(m.stage_duration_ms).flatMap(([stage, stats]) => summary(stats, { stage })),
    },
    {
      name: 'job_duration_ms',
      type: 'summary',
      help: 'End-to-end milliseconds per finished job.',
      samples: summary(m.job_duration_ms),
    },
    {
      name: 'files_in_flight',
      type: 'gauge',
      help: 'Jobs started and not finished.',
      samples: single(m.files_in_flight),
    },
    {
      name: 'inbox_backlog',
      type: 'gauge',
      help: 'Claim files in the inbox not yet taken by a job.',
      samples: single(m.inbox_backlog),
    },
    { name: 'dlq_depth', type: 'gauge', help: 'Messages in the dead-letter queue.', samples: single(m.dlq_depth) },
    {
      name: 'quality_score',
      type: 'gauge',
      help: 'Quality score (0-100) of the latest finished job that was scored.',
      samples: m.quality_score === null ? [] : single(m.quality_score),
    },
    {
      name: 'estimated_cost_usd',
      type: 'gauge',
      help: 'Estimated AWS cost in US dollars (docs/monitoring.md): of the latest job, and of all jobs.',
      samples: [
        ...(m.estimated_cost_usd.last_run === null
          ? []
          : [['', { scope: 'last_run' }, m.estimated_cost_usd.last_run] as const]),
        ['', { scope: 'total' }, m.estimated_cost_usd.total],
      ],
    },
  ];
  return `${families.map(renderFamily).join('\n')}\n`;
}
