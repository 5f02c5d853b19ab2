import type { Alert } from '../../domain/alert-policy.ts';

/** The identifiers and counts of an alert as label/value pairs, in a fixed order. */
export function alertFacts(alert: Alert): Array<readonly [string, string]> {
  const facts: Array<readonly [string, string | undefined]> = [
    ['severity', alert.severity],
    ['job', alert.job_id],
    ['file', alert.file],
    ['rule', alert.rule_id],
    ['component', alert.component],
    ...Object.entries(alert.counts).map(([name, value]) => [name, String(value)] as const),
  ];
  return facts.filter((f): f is readonly [string, string] => f[1] !== undefined);
}

export function alertSubject(alert: Alert): string {
  return `[claimflow] ${alert.severity.toUpperCase()}: ${alert.title}`;
}

/** Plain text for e-mail and SNS: the summary, then one fact per line. */
export function alertBody(alert: Alert): string {
  return [
    alert.summary,
    '',
    ...alertFacts(alert).map(([label, value]) => `${label}: ${value}`),
    '',
    'Alerts carry identifiers and counts only; the claims themselves are in the validation report and quarantine.',
    '',
  ].join('\n');
}
