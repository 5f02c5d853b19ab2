import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PREFIXES } from '../../domain/store-layout.ts';
import { LocalObjectStore } from '../local-store/local-object-store.ts';
import { DuckDbEngine } from './duckdb-engine.ts';
import { syncPseudonymizedClaims } from './pseudonymized-claims.ts';

const OCTOBER = 'processed/claims/year=2025/month=10/a.csv-1111111111-0.parquet';
const NOVEMBER = 'processed/claims/year=2025/month=11/b.csv-2222222222-0.parquet';

test('copies each claim file with member ids as HMAC tokens, rewriting only what changed', async () => {
  const root = mkdtempSync(join(tmpdir(), 'pseudonymized-'));
  const store = new LocalObjectStore(root);
  const engine = await DuckDbEngine.open({ path: ':memory:' });
  const publishClaims = async (key: string, people: readonly string[]): Promise<void> => {
    const local = join(await store.scratchDir('claims'), 'part.parquet');
    const rows = people.map((p, i) => `('C${i}', '${p}', 'M-${p}', '{"member name":"Ann ${p}"}')`).join(', ');
    await engine.run(
      `COPY (SELECT * FROM (VALUES ${rows}) AS t(claim_id, person_id, member_id, extra_columns)) TO '${local}' (FORMAT parquet)`,
    );
    await store.publish(local, key);
  };
  const copies = () => store.list(PREFIXES.pseudonymizedClaims);
  const modified = async () => (await copies()).map((k) => statSync(store.locate(k)).mtimeMs);
  try {
    await publishClaims(OCTOBER, ['P1', 'P2']);
    await publishClaims(NOVEMBER, ['P3', 'Zoë 李']);
    const key = randomBytes(32);
    const token = (id: string): string => createHmac('sha256', key).update(id).digest('hex');
    await syncPseudonymizedClaims(engine, store, key);
    const [october, november] = await copies();
    assert.match(
      october ?? '',
      /^processed\/pseudonymized\/medical_claim\/year=2025\/month=10\/a\.csv-1111111111-0\.k[0-9a-f]{12}\.parquet$/,
    );
    assert.deepEqual(
      await engine.query(
        `SELECT * FROM read_parquet('${store.locate(november ?? '')}', hive_partitioning = false) ORDER BY claim_id`,
      ),
      [
        { claim_id: 'C0', person_id: token('P3'), member_id: token('M-P3') },
        { claim_id: 'C1', person_id: token('Zoë 李'), member_id: token('M-Zoë 李') },
      ],
      'tokens in place of the ids; extra_columns (free source text) left out',
    );

    const first = await modified();
    await sleep(20);
    await syncPseudonymizedClaims(engine, store, key);
    assert.deepEqual(await modified(), first, 'nothing changed, nothing rewritten');

    await publishClaims(OCTOBER, ['P9']); // a re-run of that input replaced its file
    await syncPseudonymizedClaims(engine, store, key);
    const [octoberAgain, novemberAgain] = await modified();
    assert.ok((octoberAgain ?? 0) > (first[0] ?? 0));
    assert.equal(novemberAgain, first[1]);
    assert.deepEqual(await engine.query(`SELECT person_id FROM read_parquet('${store.locate(october ?? '')}')`), [
      { person_id: token('P9') },
    ]);

    await store.delete(NOVEMBER);
    await syncPseudonymizedClaims(engine, store, key);
    assert.deepEqual(await copies(), [october]);

    // Another key: every copy is made again under a new name; the old ones go.
    await syncPseudonymizedClaims(engine, store, randomBytes(32));
    const [rekeyed] = await copies();
    assert.notEqual(rekeyed, october);
    assert.equal((await copies()).length, 1);

    await syncPseudonymizedClaims(engine, store, null);
    assert.deepEqual(await copies(), []);
  } finally {
    engine.close();
  }
});
