import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseGlueWorkers } from './glue-workers.ts';

const MiB = 1024 * 1024;

describe('chooseGlueWorkers', () => {
  it('asks for one worker per 512 MiB of input', () => {
    assert.equal(chooseGlueWorkers(1500 * MiB, 20), 3);
    assert.equal(chooseGlueWorkers(5 * 1024 * MiB, 20), 10);
  });
  it("never below Glue's minimum of two, even for a file just over the Lambda threshold", () => {
    assert.equal(chooseGlueWorkers(257 * MiB, 20), 2);
    assert.equal(chooseGlueWorkers(0, 20), 2);
  });
  it("never above the environment's ceiling", () => {
    assert.equal(chooseGlueWorkers(100 * 1024 * MiB, 20), 20);
    assert.equal(chooseGlueWorkers(100 * 1024 * MiB, 4), 4);
  });
});
