import assert from 'node:assert/strict';
import { cp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../../../test/support/cli.ts';
import { SHARED_DIR } from '../../../test/support/shared.ts';
import { TransientError } from '../../domain/errors.ts';
import type { Ledger } from '../../pipeline/ledger.ts';
import type { ObjectStore } from '../../pipeline/object-store.ts';
import type { EventBus } from '../../pipeline/ports.ts';
import { LocalObjectStore } from '../local-store/local-object-store.ts';
import { type AwsHandlerDeps, createAwsHandlerDeps } from './aws-handler-deps.ts';

/** The wiring under test with a real store (a local folder) and DuckDB; bus and ledger are not touched here. */
function wire(store: ObjectStore, localRoot: string, warnings: string[]): AwsHandlerDeps {
  return createAwsHandlerDeps(
    { store, bus: {} as EventBus, ledger: {} as Ledger },
    {
      refdataPrefix: 'refdata/',
      localRoot,
      memoryMb: 512,
      logger: { info: () => {}, warn: (message) => void warnings.push(message), error: () => {} },
      clock: { now: () => new Date('2026-01-31T12:00:00Z') },
    },
  );
}

describe('createAwsHandlerDeps', () => {
  let root: string;
  let localRoot: string;
  const opened: AwsHandlerDeps[] = [];

  before(async () => {
    root = await tempDir('aws-deps-store');
    localRoot = await tempDir('aws-deps-tmp');
    // The Tuva lists but not the ICD-10-CM one, so the ICD rules are the ones skipped.
    await cp(join(SHARED_DIR, 'refdata', 'tuva-terminology'), join(root, 'refdata', 'tuva-terminology'), {
      recursive: true,
    });
  });

  after(async () => {
    for (const deps of opened) deps.close();
    await rm(root, { recursive: true, force: true });
    await rm(localRoot, { recursive: true, force: true });
  });

  it('loads the reference lists under the prefix on the first engine only, into a DuckDB sized for the function', async () => {
    const local = new LocalObjectStore(root);
    let listings = 0;
    const store = Object.assign(Object.create(local) as ObjectStore, {
      list: (prefix: string) => {
        listings++;
        return local.list(prefix);
      },
    });
    const warnings: string[] = [];
    const deps = wire(store, localRoot, warnings);
    opened.push(deps);
    assert.throws(() => deps.settingsFor('claims.csv'), /open an engine first/);

    const first = await deps.openEngine();
    const second = await deps.openEngine();
    try {
      assert.equal(listings, 1, 'the lists are fetched once per container');
      const [places] = await second.query('SELECT COUNT(*) AS n FROM ref_place_of_service');
      assert.ok(Number(places?.n) > 40);
      const [settings] = await first.query(
        "SELECT current_setting('memory_limit') AS memory, current_setting('threads') AS threads",
      );
      assert.deepEqual(
        { memory: settings?.memory, threads: Number(settings?.threads) },
        { memory: '244.1 MiB', threads: 1 },
      );
    } finally {
      first.close();
      second.close();
    }
    const { skippedRules, plan } = deps.settingsFor('claims.csv');
    assert.ok(skippedRules.length > 0);
    for (const skipped of skippedRules) assert.match(skipped.reason, /no icd10cm reference list/);
    assert.equal(plan.runDate, '2026-01-31');
    assert.deepEqual(warnings, []);
  });

  it('tries the preparation again after a failure, and runs without lists when there are none', async () => {
    const empty = new LocalObjectStore(await tempDir('aws-deps-empty'));
    let failures = 1;
    const store = Object.assign(Object.create(empty) as ObjectStore, {
      list: async (prefix: string) => {
        if (failures-- > 0) throw new TransientError('s3://out/refdata/: SlowDown, worth retrying');
        return empty.list(prefix);
      },
    });
    const warnings: string[] = [];
    const deps = wire(store, localRoot, warnings);
    opened.push(deps);

    await assert.rejects(deps.openEngine(), TransientError);
    (await deps.openEngine()).close();

    assert.deepEqual(warnings, ['no reference data']);
    const reasons = new Set(deps.settingsFor('claims.csv').skippedRules.map((s) => s.reason.split(' reference')[0]));
    assert.deepEqual([...reasons].sort(), [
      'no bill_type',
      'no hcpcs_level_2',
      'no icd10cm',
      'no ms_drg',
      'no place_of_service',
      'no revenue_center',
    ]);
  });
});
