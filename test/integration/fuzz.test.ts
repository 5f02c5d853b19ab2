import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import type { ValidationReport } from '../../src/pipeline/validation-report.ts';
import { claimflow, type RunJson, tempDir } from '../support/cli.ts';
import { type Mutant, mutate, type Seed } from '../support/fuzz-mutations.ts';
import { SHARED_DIR } from '../support/shared.ts';
import { write837File } from '../support/x12-837-generator.ts';

const FILES = 1000;
/** Invocations of `claimflow run`, two at a time on the two cores. */
const BATCHES = 4;
const RUN_BOUND_MS = 150_000;
const FILE_BOUND_MS = 20_000;

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

  it('processes or quarantines every file with a reason, never crashes (exit 0 or 2), in bounded time', async () => {
    const outcomes = new Map<string, { status: string; reason: string | null; ms: number }>();
    const runBatch = async (folder: string, index: number) => {
      const started = Date.now();
      // Half the batches keep files whatever their error rate, so damaged rows go on to publish.
      const threshold = index % 2 === 0 ? [] : ['--error-threshold', '1'];
      const root = join(dir, `root-${index}`);
      const result = await claimflow('run', folder, '--root', root, '--json', '--run-date', '2026-01-31', ...threshold);
      const elapsed = Date.now() - started;
      assert.ok(
        result.code === 0 || result.code === 2,
        `batch ${index}: exit ${result.code}\n${result.stderr.slice(-4000)}`,
      );
      assert.ok(elapsed < RUN_BOUND_MS, `batch ${index} took ${elapsed} ms`);
      const summary = JSON.parse(result.stdout) as RunJson;
      for (const f of summary.files) {
        const report = JSON.parse(
          await readFile(f.validation?.report_location ?? assert.fail(`${f.file}: no report`), 'utf8'),
        ) as ValidationReport;
        outcomes.set(f.file.split('/').pop() ?? '', {
          status: f.status,
          reason: report.file_error?.reason ?? null,
          ms: Date.parse(report.finished_at) - Date.parse(report.started_at),
        });
      }
    };
    await Promise.all(
      [0, 1].map(async (lane) => {
        for (let b = lane; b < BATCHES; b += 2) await runBatch(folders[b] ?? '', b);
      }),
    );

    assert.equal(outcomes.size, FILES, 'every file has a report');
    const statuses = new Map<string, number>();
    for (const m of mutants) {
      const outcome = outcomes.get(m.name) ?? assert.fail(`${m.name} (${m.mutation}): no outcome`);
      statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
      if (outcome.status === 'FAILED')
        assert.ok(outcome.reason, `${m.name} (${m.mutation}): quarantined without a reason`);
      else assert.equal(outcome.status, 'SUCCEEDED', m.name);
      assert.ok(outcome.ms < FILE_BOUND_MS, `${m.name} (${m.mutation}) took ${outcome.ms} ms`);
    }
    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    assert.ok((statuses.get('SUCCEEDED') ?? 0) > 50, JSON.stringify([...statuses]));
    assert.ok((statuses.get('FAILED') ?? 0) > 50, JSON.stringify([...statuses]));
  });
});
