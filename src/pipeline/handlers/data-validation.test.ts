import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemoryObjectStore } from '../../../test/support/memory-object-store.ts';
import { SqliteLedger } from '../../adapters/sqlite/sqlite-ledger.ts';
import { TOPICS } from '../messages.ts';
import { handleDataValidation } from './data-validation.ts';
import type { HandlerDeps } from './handler-deps.ts';

const HEADER = 'claim_id,claim_line_number,claim_type,person_id,claim_start_date,claim_end_date,paid_amount';

describe('data-validation', () => {
  const ledger = new SqliteLedger(':memory:');
  const store = new MemoryObjectStore({ failOn: ['fetchLocal'] });
  after(async () => {
    ledger.close();
    await store.dropAllScratch();
  });

  it('judges a file from its head alone, never fetching the object (a ranged GET on S3)', async () => {
    const key = 'raw/claims/large.csv';
    // 8 MiB of lines after the header: only the first 64 KiB may be read.
    await store.writeText(key, `${HEADER}\n${'C1,1,professional,P1,2025-10-01,2025-10-01,12.50\n'.repeat(200_000)}`);
    await ledger.claimDelivery('h', key, 'job-1', new Date());
    const published: Array<[string, unknown]> = [];
    const deps = {
      store,
      ledger,
      bus: { publish: async (topic: string, message: unknown) => void published.push([topic, message]) },
    } as unknown as HandlerDeps;
    const task = { job_id: 'job-1', key, sha256: 'h', input_file: 'large.csv', months: [] };
    await handleDataValidation(task, deps);
    assert.deepEqual(published, [[TOPICS.etl, task]]);
    assert.equal((await ledger.job('job-1'))?.attempts, 1);
  });
});
