import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  aggregationKey,
  aggregationPrefix,
  archiveKey,
  claimFileKey,
  claimPartitionPrefix,
  deadLetterKey,
  folderOf,
  monthOf,
  ownClaimFiles,
  ownQuarantineFiles,
  PREFIXES,
  pseudonymizedClaimKey,
  quarantineFileKey,
  quarantineRowsKey,
  reportFileKey,
  reportKey,
  tempKey,
  tempPrefix,
} from './store-layout.ts';

const JOB = 'claims-etl-20260131-102030-0001';

describe('store layout', () => {
  it('builds every key exactly as the outputs have always been named', () => {
    assert.equal(claimPartitionPrefix('2025', '10'), 'processed/claims/year=2025/month=10/');
    assert.equal(
      claimFileKey('a.csv-f4bcf00f08', '2025', '10', 3),
      'processed/claims/year=2025/month=10/a.csv-f4bcf00f08-3.parquet',
    );
    assert.equal(
      aggregationKey('monthly_by_payer_claim_type', '2025', '10'),
      'processed/aggregations/monthly_by_payer_claim_type/2025-10.parquet',
    );
    assert.equal(quarantineRowsKey('a.csv-f4bcf00f08'), 'quarantine/rows/a.csv-f4bcf00f08.parquet');
    assert.equal(quarantineRowsKey('a.csv-f4bcf00f08', 0), 'quarantine/rows/a.csv-f4bcf00f08-0.parquet');
    assert.equal(quarantineRowsKey('a.csv-f4bcf00f08', '*'), 'quarantine/rows/a.csv-f4bcf00f08-*.parquet');
    assert.equal(quarantineFileKey(JOB, 'big feed.csv'), `quarantine/files/${JOB}/big feed.csv`);
    assert.equal(reportKey(JOB, 'json'), `validation-reports/${JOB}.json`);
    assert.equal(reportKey(JOB, 'html'), `validation-reports/${JOB}.html`);
    assert.equal(reportFileKey(`${JOB}.html`), `validation-reports/${JOB}.html`);
    assert.equal(tempPrefix(JOB), `temp/${JOB}/`);
    assert.equal(tempKey(JOB, 'plan.json'), `temp/${JOB}/plan.json`);
    assert.equal(deadLetterKey(`${JOB}-etl`), `dlq/${JOB}-etl.json`);
  });

  it('keeps a pseudonymized copy in its claim file’s partition, named by the key id', () => {
    assert.equal(
      pseudonymizedClaimKey('processed/claims/year=2025/month=10/a.csv-f4bcf00f08-0.parquet', '0123456789ab'),
      'processed/pseudonymized/medical_claim/year=2025/month=10/a.csv-f4bcf00f08-0.k0123456789ab.parquet',
    );
    assert.equal(
      aggregationPrefix('monthly_by_payer_claim_type'),
      'processed/aggregations/monthly_by_payer_claim_type/',
    );
  });

  it('gives a prefix as a folder name to join under a local root', () => {
    assert.equal(folderOf(PREFIXES.validationReports), 'validation-reports');
    assert.equal(folderOf(PREFIXES.inbox), 'raw/claims');
  });

  it('archives by the UTC day the job started, and makes a dead letter id safe as a key', () => {
    assert.equal(archiveKey(new Date('2026-01-31T23:59:59.999Z'), JOB, 'a.csv'), `archive/2026-01-31/${JOB}/a.csv`);
    assert.equal(deadLetterKey('job/../1 2:x'), 'dlq/job_.._1_2_x.json');
  });

  it('names a source’s own files in either engine’s naming, and no other source’s', () => {
    const quarantine = ownQuarantineFiles('claims.2025.csv');
    assert.ok(quarantine.test('quarantine/rows/claims.2025.csv.parquet'));
    assert.ok(quarantine.test('quarantine/rows/claims.2025.csv-3.parquet'));
    assert.ok(!quarantine.test('quarantine/rows/claims.2025.csv.extra.parquet'));
    assert.ok(!quarantine.test('quarantine/rows/claimsX2025.csv.parquet'), 'dots are literal');
    const claims = ownClaimFiles('a.csv');
    assert.ok(claims.test('processed/claims/year=2025/month=10/a.csv-0.parquet'));
    assert.ok(!claims.test('processed/claims/year=2025/month=10/b.a.csv-0.parquet'));
    assert.equal(monthOf('processed/claims/year=2025/month=10/a.csv-0.parquet'), '2025-10');
  });

  it('reads the month of a partitioned key, and says when a key has none', () => {
    assert.equal(monthOf(claimFileKey('a.csv', '2024', '02', 0)), '2024-02');
    assert.equal(monthOf(quarantineRowsKey('a.csv')), 'unknown');
  });
});
