import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileJobHarness } from '../../../test/support/file-job-harness.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import type { SourceLayout } from '../../domain/profiles/source-profile.ts';
import { TUVA_PROFILE } from '../../domain/profiles/tuva-profile.ts';
import type { JobWorkspace } from './job-workspace.ts';
import { type Companions, loadCompanions } from './load-companions.ts';

const MEDICAL_CLAIM = TUVA_PROFILE.layouts.find((l) => l.id === 'medical_claim') as SourceLayout;
/** The input itself matches the companion glob `*eligibility*.csv`: it must not be read as one. */
const INPUT = 'claims_for_eligibility.csv';

describe('load-companions: the files beside the input, loaded as one row per key', () => {
  const harness = fileJobHarness('load-companions');
  let folders = 0;

  /** Writes `files` into a new folder beside a claims input, then loads the medical_claim layout's companions. */
  async function load(
    files: Record<string, string>,
    use: (companions: Companions, ws: JobWorkspace) => Promise<void>,
  ): Promise<void> {
    const folder = `inbox-${++folders}`;
    const input = await harness.write(join(folder, INPUT), 'claim_id,person_id\nC9,P9\n');
    for (const [name, content] of Object.entries(files)) await harness.write(join(folder, name), content);
    const jobId = `job-companions-${folders}`;
    const job = harness.jobContext(input, { jobId });
    await harness.withWorkspace(jobId, async (ws) => use(await loadCompanions(job, ws, MEDICAL_CLAIM), ws));
  }

  it('reads every matching CSV (sorted, the input aside, CSV only), headers matched by name, one row per key', async () => {
    await load(
      {
        'b_eligibility.csv': 'gender,person_id,Birth Date,plan\nmale,P3,1970-03-03,x\n',
        'a_eligibility.csv':
          'PERSON_ID,Birth Date,gender\nP1,1950-01-01,female\nP2,1960-02-02,male\nP1,1949-12-31,female\n , 1900-01-01,male\n',
        'c_eligibility.csv': '{"person_id":"P4"}\n',
        'notes.csv': 'person_id,gender\nP5,male\n',
      },
      async ({ loaded, read }, ws) => {
        assert.deepEqual(read, [{ name: 'eligibility', files: ['a_eligibility.csv', 'b_eligibility.csv'] }]);
        assert.equal(loaded.length, 1);
        const [eligibility] = loaded;
        assert.equal(eligibility?.companion.name, 'eligibility');
        assert.deepEqual(eligibility?.columns, ['Birth Date', 'gender'], 'names as in the (first) file');
        // Each column by its position among `columns`, whatever the files call it.
        const rows = await ws.query(`SELECT * FROM ${eligibility?.relation} ORDER BY _cf_key`);
        assert.deepEqual(rows, [
          { _cf_key: 'P1', col_1: '1949-12-31', col_2: 'female' },
          { _cf_key: 'P2', col_1: '1960-02-02', col_2: 'male' },
          { _cf_key: 'P3', col_1: '1970-03-03', col_2: 'male' },
        ]);
      },
    );
  });

  it('reads the key of every file when the files spell its header differently (Person-ID, PERSON_ID)', async () => {
    await load(
      {
        'a_eligibility.csv': 'PERSON_ID,birth_date,gender\nP1,1950-01-01,female\n',
        'b_eligibility.csv': 'Person-ID,birth_date,gender\nP2,1960-02-02,male\n',
      },
      async ({ loaded }, ws) => {
        const rows = await ws.query(`SELECT _cf_key FROM ${loaded[0]?.relation} ORDER BY _cf_key`);
        assert.deepEqual(
          rows.map((r) => r._cf_key),
          ['P1', 'P2'],
        );
      },
    );
  });

  it('reads headers named like its own columns (_cf_key, _raw_line) or equal but for case as data: the first of a name is used', async () => {
    await load(
      {
        'a_eligibility.csv':
          '_cf_key,person_id,Person_ID,_raw_line,gender,GENDER,_ingest_error\nk1,P1,X1,r1,female,F,e1\nk2,P2,X2,r2,male,M,e2\n',
      },
      async ({ loaded }, ws) => {
        assert.deepEqual(loaded[0]?.columns, ['gender']);
        const rows = await ws.query(`SELECT * FROM ${loaded[0]?.relation} ORDER BY _cf_key`);
        assert.deepEqual(rows, [
          { _cf_key: 'P1', col_1: 'female' },
          { _cf_key: 'P2', col_1: 'male' },
        ]);
      },
    );
  });

  it('leaves out a companion whose files lack its key column', async () => {
    await load(
      { 'members_eligibility.csv': 'member,birth_date,gender\nM1,1950-01-01,female\n' },
      async (companions) => {
        assert.deepEqual(companions, { loaded: [], read: [] });
      },
    );
  });

  it('loads nothing when no file beside the input matches', async () => {
    await load({ 'other.csv': 'person_id,birth_date\nP1,1950-01-01\n' }, async (companions) => {
      assert.deepEqual(companions, { loaded: [], read: [] });
    });
  });

  it('rejects the file as unreadable_file when a companion cannot be read', async () => {
    await assert.rejects(
      load({ 'a_eligibility.csv': 'person_id,birth_date,gender\nP1,1950-01-01,female,EXTRA\n' }, async () => {
        assert.fail('loaded');
      }),
      (error: unknown) => error instanceof ClaimFileError && error.ruleId === 'unreadable_file',
    );
  });
});
