import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalObjectStore } from '../local-store/local-object-store.ts';
import { jobIdIn, openAuditTrail } from './audit-trail.ts';
import { AuditedObjectStore } from './audited-object-store.ts';
import { HashChainedAuditLog } from './hash-chained-audit-log.ts';

const JOB = 'claims-etl-20261126-010000-0042';

test('every read, write and delete is one entry with its job, command and user; scratch and listings are not', async () => {
  const root = mkdtempSync(join(tmpdir(), 'audited-'));
  const input = join(mkdtempSync(join(tmpdir(), 'audited-input-')), 'claims.csv');
  writeFileSync(input, 'claim_id\nC1\n');
  const store = new AuditedObjectStore(new LocalObjectStore(root), openAuditTrail(root, 'watch'));

  await store.copyIn(input, `archive/2026-11-26/${JOB}/claims.csv`);
  const scratch = await store.scratchDir(JOB);
  writeFileSync(join(scratch, 'claims.parquet'), 'rows');
  await store.publish(join(scratch, 'claims.parquet'), 'processed/claims/year=2025/month=10/claims.csv-abc-0.parquet');
  await store.writeText(`validation-reports/${JOB}.json`, '{}');
  await store.readText(`validation-reports/${JOB}.json`);
  await store.list('processed');
  await store.hash(`validation-reports/${JOB}.json`);
  await store.fetchLocal('processed/claims/year=2025/month=10/claims.csv-abc-0.parquet', `input-${JOB}`);
  await store.delete('processed/claims/year=2025/month=10/claims.csv-abc-0.parquet');
  await store.dropScratch(JOB);

  const log = new HashChainedAuditLog(root);
  assert.deepEqual(log.verify(), []);
  assert.deepEqual(
    log.entries().map((e) => [e.action, e.object, e.job_id ?? null]),
    [
      ['read', input, JOB],
      ['write', `archive/2026-11-26/${JOB}/claims.csv`, JOB],
      // The job comes from the engine's scratch folder when the key does not name it.
      ['write', 'processed/claims/year=2025/month=10/claims.csv-abc-0.parquet', JOB],
      ['write', `validation-reports/${JOB}.json`, JOB],
      ['read', `validation-reports/${JOB}.json`, JOB],
      ['read', `validation-reports/${JOB}.json`, JOB],
      ['read', 'processed/claims/year=2025/month=10/claims.csv-abc-0.parquet', JOB],
      ['delete', 'processed/claims/year=2025/month=10/claims.csv-abc-0.parquet', null],
    ],
  );
  for (const entry of log.entries()) {
    assert.equal(entry.command, 'watch');
    assert.equal(entry.user, userInfo().username);
  }
});

test('a failed call is not recorded; a file under the root is named by its key', async () => {
  const root = mkdtempSync(join(tmpdir(), 'audited-'));
  const trail = openAuditTrail(root, 'run');
  const store = new AuditedObjectStore(new LocalObjectStore(root), trail);
  await assert.rejects(store.readText('validation-reports/missing.json'), { code: 'ENOENT' });
  await trail.record('read', join(root, 'raw', 'claims', 'in.csv'));
  assert.deepEqual(
    new HashChainedAuditLog(root).entries().map((e) => e.object),
    ['raw/claims/in.csv'],
  );
});

test('job ids are found in keys, paths and scratch names', () => {
  assert.equal(jobIdIn('quarantine/rows/k.parquet', `/r/temp/${JOB}/quarantine.parquet`), JOB);
  assert.equal(jobIdIn(`dlq/${JOB}-etl.json`), JOB);
  assert.equal(jobIdIn('processed/aggregations/a/2025-10.parquet'), undefined);
});
