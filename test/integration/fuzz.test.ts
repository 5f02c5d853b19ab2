import assert from 'node:assert/strict';
import { appendFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import { claimflow, lit, type RunJson, runPython, sql, tempDir } from '../support/cli.ts';
import { type Mutant, mutate, type Seed } from '../support/fuzz-mutations.ts';
import { SHARED_DIR } from '../support/shared.ts';
import { write837File } from '../support/x12-837-generator.ts';

const FILES = 1000;
/** Invocations of `claimflow run`, two at a time on the two cores. */
const BATCHES = 4;
const INDEPENDENT_READER = fileURLToPath(new URL('../support/independent_count.py', import.meta.url));

/**
 * Seed files of every format the pipeline reads: generated CSV, NDJSON, JSON, an X12 837 and a
 * FHIR bundle. Most are larger than the 64 KiB head that decides a file's format, so damage lands
 * in the rows the engine reads as often as in the head.
 */
async function buildSeeds(dir: string): Promise<Seed[]> {
  const generated = async (kind: 'csv' | 'ndjson' | 'json', rows: number, seed: number): Promise<Seed> => {
    const path = join(dir, `seed.${kind}`);
    await writeClaimsFile(path, rows, kind, { seed, defectRate: 0.02, month: '2025-10' });
    return { kind, extension: `.${kind}`, bytes: await readFile(path) };
  };
  const bundle = JSON.parse(
    await readFile(
      join(SHARED_DIR, 'samples/synthea/fhir/Rodrigo242_Grady603_9f39bf35-ea79-4383-4eb1-36c43280dff2.json'),
      'utf8',
    ),
  ) as { entry: Array<{ resource: { resourceType: string } }> };
  // Synthea writes some amounts with more than two decimal places (1470.406, 27.200000000000003),
  // which are invalid_amount (docs/value-notations.md): the seed takes EOBs whose amounts are in cents.
  const inCents = (resource: unknown): boolean => !/"value":-?\d+\.\d{3,}/.test(JSON.stringify(resource));
  const eobs = bundle.entry
    .filter((e) => e.resource.resourceType === 'ExplanationOfBenefit' && inCents(e.resource))
    .slice(0, 12);
  const x12 = join(dir, 'seed.837');
  await write837File(x12, 100_000);
  return [
    await generated('csv', 400, 1),
    await generated('ndjson', 200, 2),
    await generated('json', 100, 3),
    { kind: 'x12', extension: '.837', bytes: await readFile(x12) },
    {
      kind: 'fhir',
      extension: '.json',
      bytes: Buffer.from(JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: eobs })),
    },
  ];
}

describe(`fuzz: ${FILES} mutated files through claimflow run`, () => {
  let dir: string;
  let mutants: Mutant[];
  const folders: string[] = [];

  before(async () => {
    dir = await tempDir('fuzz');
    const seeds = await buildSeeds(dir);
    // Each seed unmutated is a valid file of its kind: what the mutants are measured against.
    const seedFiles = await Promise.all(
      seeds.map(async (s) => {
        const path = join(dir, `seed-${s.kind}${s.extension}`);
        await writeFile(path, s.bytes);
        return path;
      }),
    );
    const clean = await claimflow('run', ...seedFiles, '--root', join(dir, 'seed-root'), '--run-date', '2026-01-31');
    assert.equal(clean.code, 0, clean.stderr);
    mutants = mutate(seeds, FILES, 20_260_131);
    for (let b = 0; b < BATCHES; b++) {
      const folder = join(dir, `batch-${b}`);
      await mkdir(folder);
      folders.push(folder);
    }
    await Promise.all(mutants.map((m, i) => writeFile(join(folders[i % BATCHES] ?? dir, m.name), m.bytes)));
  });

  // The mutants and their copies take about half a gigabyte; the seed of the random source recreates them.
  after(() => rm(dir, { recursive: true, force: true }));

  it('processes or quarantines every file with a reason, never crashes (exit 0 or 2), and loses or rewrites no record', async (t) => {
    const outcomes = new Map<string, Outcome>();
    /** Files a folder run skipped as not claims (a .txt whose first line is not a header), with the reason listed. */
    const skipped = new Map<string, string>();
    const runBatch = async (folder: string, index: number) => {
      // Half the batches keep files whatever their error rate, so damaged rows go on to publish.
      const threshold = index % 2 === 0 ? [] : ['--error-threshold', '1'];
      const root = join(dir, `root-${index}`);
      const growing = startGrowing(folder);
      const result = await claimflow('run', folder, '--root', root, '--json', '--run-date', '2026-01-31', ...threshold);
      await growing.stop();
      assert.ok(
        result.code === 0 || result.code === 2,
        `batch ${index}: exit ${result.code}\n${crashLines(result.stderr)}`,
      );
      const summary = JSON.parse(result.stdout) as RunJson;
      for (const f of summary.files) {
        const report = JSON.parse(
          await readFile(f.validation?.report_location ?? assert.fail(`${f.file}: no report`), 'utf8'),
        ) as ValidationReport;
        outcomes.set(basename(f.file), { root, report });
      }
      for (const s of summary.skipped ?? []) skipped.set(basename(s.file), s.reason);
    };
    // Both lanes are awaited before anything is judged, so no run is still writing when the folder goes.
    const lanes = await Promise.allSettled(
      [0, 1].map(async (lane) => {
        for (let b = lane; b < BATCHES; b += 2) await runBatch(folders[b] ?? '', b);
      }),
    );
    for (const lane of lanes) if (lane.status === 'rejected') throw lane.reason;

    assert.equal(outcomes.size + skipped.size, FILES, 'every file has a report or is listed as skipped');
    const statuses = new Map<string, number>();
    for (const m of mutants) {
      const reason = skipped.get(m.name);
      if (reason !== undefined) {
        assert.match(`${m.name} ${reason}`, /\.(txt|dat)(\.gz)? not a claim file: /, `${m.name} (${m.mutation})`);
        continue;
      }
      const { report } = outcomes.get(m.name) ?? assert.fail(`${m.name} (${m.mutation}): no outcome`);
      const status = report.validation_status === 'success' ? 'SUCCEEDED' : 'FAILED';
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 'FAILED')
        assert.ok(report.file_error?.reason, `${m.name} (${m.mutation}): quarantined without a reason`);
      if (m.growing && status === 'FAILED') statuses.set('grew', (statuses.get('grew') ?? 0) + 1);
    }
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    assert.ok((statuses.get('SUCCEEDED') ?? 0) > 50, JSON.stringify([...statuses]));
    assert.ok((statuses.get('FAILED') ?? 0) > 50, JSON.stringify([...statuses]));

    const checked = await checkAgainstIndependentReader(mutants, outcomes);
    t.diagnostic(
      `outcomes ${JSON.stringify([...statuses])}; ${checked.files} files and ${checked.rows} published rows checked against Python's readers`,
    );
    assert.deepEqual(checked.problems.slice(0, 10), []);
    assert.ok(checked.files > 100, `${checked.files} files checked`);
  });
});

/** The lines of stderr that are not a file rejected by a rule: what crashed. */
function crashLines(stderr: string): string {
  return stderr
    .split('\n')
    .filter((line) => line && !/^claimflow: .+?: [a-z_]+: /.test(line))
    .join('\n')
    .slice(-4000);
}

interface Outcome {
  readonly root: string;
  readonly report: ValidationReport;
}

/** Files of a batch that a sender is still writing while the run reads them: a line appended every few ms. */
function startGrowing(folder: string): { stop(): Promise<void> } {
  let stopped = false;
  const grow = (async () => {
    const names = (await readdir(folder)).filter((name) => name.includes('-growing-'));
    while (!stopped) {
      for (const name of names) await appendFile(join(folder, name), 'C999,1,professional\n');
      await sleep(5);
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await grow;
    },
  };
}

/**
 * Every file that was kept (not rejected whole) and is CSV or NDJSON is read again by Python from
 * its archived copy (the bytes the job hashed): its records must all be in the report's total, and
 * every published row's claim_id and paid_amount must be its source record's text (trimmed; the
 * amount as the same number). JSON arrays, X12 and FHIR are converted, so no text reader applies.
 */
async function checkAgainstIndependentReader(
  mutants: readonly Mutant[],
  outcomes: ReadonlyMap<string, Outcome>,
): Promise<{ files: number; rows: number; problems: string[] }> {
  const kept = mutants.flatMap((m) => {
    const outcome = outcomes.get(m.name);
    if (!outcome) return [];
    const { format, validation_status: status, outputs } = outcome.report;
    const archive = outputs.archive;
    if (status !== 'success' || !archive) return [];
    if (format !== 'csv' && format !== 'ndjson') return [];
    return [{ mutant: m, outcome, format, path: join(outcome.root, archive) }];
  });
  const read = await runPython(
    INDEPENDENT_READER,
    JSON.stringify(kept.map((k) => ({ path: k.path, format: k.format }))),
  );
  const independent = JSON.parse(read) as Array<{
    records: number | null;
    values: Record<string, [string, string | null]>;
  }>;
  const problems: string[] = [];
  let rows = 0;
  for (const [i, k] of kept.entries()) {
    const theirs = independent[i];
    const { report, root } = k.outcome;
    const label = `${k.mutant.name} (${k.mutant.mutation})`;
    if (theirs?.records !== null && theirs?.records !== report.summary.total_records) {
      problems.push(`${label}: ${report.summary.total_records} records reported, Python reads ${theirs?.records}`);
    }
    if (report.outputs.processed.length === 0) continue;
    const published = await sql(
      `SELECT source_row_number AS n, claim_id, CAST(paid_amount AS VARCHAR) AS paid_amount
       FROM read_parquet([${report.outputs.processed.map((key) => lit(join(root, key))).join(', ')}])`,
    );
    rows += published.length;
    for (const row of published) {
      const source = theirs?.values[String(row.n)];
      if (!source) continue;
      const [claimId, amount] = source;
      if (row.claim_id !== claimId.trim())
        problems.push(`${label} row ${row.n}: claim_id differs from its source text`);
      if (row.paid_amount !== null && Number(row.paid_amount) !== Number((amount ?? '').trim())) {
        problems.push(
          `${label} row ${row.n}: paid_amount ${row.paid_amount} published from source text ${JSON.stringify(amount)}`,
        );
      }
    }
  }
  return { files: kept.length, rows, problems };
}
