import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DuckDbEngine } from './duckdb-engine.ts';

describe('DuckDbEngine.open', () => {
  it('applies the memory bound and returns freed memory to the OS early', async () => {
    const engine = await DuckDbEngine.open({ path: ':memory:', memoryLimit: '300MB' });
    try {
      const [row] = await engine.query(
        `SELECT current_setting('memory_limit') AS memory_limit,
                current_setting('allocator_flush_threshold') AS flush,
                current_setting('allocator_bulk_deallocation_flush_threshold') AS bulk,
                current_setting('enable_external_file_cache') AS file_cache`,
      );
      assert.deepEqual(
        { ...row },
        { memory_limit: '286.1 MiB', flush: '15.2 MiB', bulk: '15.2 MiB', file_cache: false },
      );
    } finally {
      engine.close();
    }
  });
});
