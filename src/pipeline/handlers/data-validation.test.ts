import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MemoryObjectStore } from '../../../test/support/memory-object-store.ts';
import { SHARED_DIR } from '../../../test/support/shared.ts';
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

  /** Validates the object at `key` as a delivered task; returns the task and what was published. */
  async function validate(key: string, jobId: string) {
    await ledger.claimDelivery(jobId, key, jobId, new Date());
    const published: Array<[string, unknown]> = [];
    const deps = {
      store,
      ledger,
      bus: { publish: async (topic: string, message: unknown) => void published.push([topic, message]) },
    } as unknown as HandlerDeps;
    const task = { job_id: jobId, key, sha256: jobId, input_file: key.split('/').at(-1) ?? key, months: [] };
    await handleDataValidation(task, deps);
    return { task, published };
  }

  it('judges a file from its head alone, never fetching the object (a ranged GET on S3)', async () => {
    const key = 'raw/claims/large.csv';
    // 8 MiB of lines after the header: only the first 64 KiB may be read.
    await store.writeText(key, `${HEADER}\n${'C1,1,professional,P1,2025-10-01,2025-10-01,12.50\n'.repeat(200_000)}`);
    const { task, published } = await validate(key, 'job-1');
    assert.deepEqual(published, [[TOPICS.etl, task]]);
    assert.equal((await ledger.job('job-1'))?.attempts, 1);
  });

  it('hands a file a source profile reads (a SynPUF carrier header) to etl, not to the rejection', async () => {
    const key = 'raw/claims/carrier_claims.csv';
    await store.writeText(
      key,
      await readFile(join(SHARED_DIR, 'samples/synpuf/ohdsi-tiny/input', 'carrier_claims.csv'), 'utf8'),
    );
    const { task, published } = await validate(key, 'job-2');
    assert.deepEqual(published, [[TOPICS.etl, task]]);
  });
});
