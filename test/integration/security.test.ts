import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { copyFile, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { AuditEntry } from '../../src/adapters/audit/hash-chained-audit-log.ts';
import { writeClaimsFile } from '../../src/cli/write-claims-file.ts';
import { type CliResult, claimflow, claimflowWithEnv, startClaimflow, tempDir } from '../support/cli.ts';

/** Every member identifier of the test files starts with it; no ciphertext may contain it. */
const CANARY = 'CANARYMEMBER';
const RUN_DATE = ['--run-date', '2026-01-31'];

/** Files under `dir` (recursively), relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

const holdsCanary = (dir: string): string[] =>
  filesUnder(dir).filter((f) => readFileSync(join(dir, f)).includes(CANARY));

const auditEntries = (root: string): AuditEntry[] =>
  readFileSync(join(root, 'audit', 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditEntry);

async function query(root: string, sql: string): Promise<Array<Record<string, unknown>>> {
  const result = await claimflow('query', sql, '--root', root, '--format', 'json');
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Array<Record<string, unknown>>;
}

describe('security: encryption at rest, permissions, the audit log and pseudonymization', () => {
  let dir: string;
  let claims: string;
  let rejected: string;
  let masterKeyFile: string;
  const masterKey = randomBytes(32);

  before(async () => {
    dir = await tempDir('security');
    claims = join(dir, 'claims.csv');
    await writeClaimsFile(claims, 1_500, 'csv', { seed: 9, defectRate: 0.03, month: '2025-10' });
    // Member ids become canaries: P0060684 -> CANARYMEMBERP0060684, and the same for M...
    const text = await readFile(claims, 'utf8');
    await writeFile(claims, text.replace(/,([PM]\d{7}),/g, `,${CANARY}$1,`));
    // No person_id column: the file is rejected whole and copied to quarantine/files.
    rejected = join(dir, 'rejected.csv');
    await writeFile(
      rejected,
      `claim_id,claim_line_number,claim_type,member_id,claim_start_date,claim_end_date\nC1,1,professional,${CANARY}M1,2025-10-01,2025-10-01\n`,
    );
    masterKeyFile = join(dir, 'master.key');
    await writeFile(masterKeyFile, masterKey.toString('hex'));
  });

  describe('a run with a master key', () => {
    let root: string;
    let run: CliResult;

    before(async () => {
      root = join(dir, 'sealed');
      run = await claimflow('run', claims, rejected, '--root', root, '--master-key-file', masterKeyFile, ...RUN_DATE);
    });

    it('leaves no claim value in plaintext under quarantine/ or archive/; processed claims keep raw ids', () => {
      assert.equal(run.code, 2, run.stderr); // the rejected file
      const sealed = [...filesUnder(join(root, 'quarantine')), ...filesUnder(join(root, 'archive'))];
      assert.equal(sealed.length, 4, sealed.join(', ')); // rows of claims.csv, rejected.csv, two archive copies
      assert.ok(sealed.every((f) => f.endsWith('.enc')));
      assert.deepEqual(holdsCanary(join(root, 'quarantine')), []);
      assert.deepEqual(holdsCanary(join(root, 'archive')), []);
      // The canaries are findable: the published claims hold raw identifiers by design.
      assert.ok(holdsCanary(join(root, 'processed', 'claims')).length > 0);
    });

    it('makes every folder 0700 and every file 0600', () => {
      const modes = readdirSync(root, { recursive: true, encoding: 'utf8' }).map((entry) => {
        const stats = statSync(join(root, entry));
        return [entry, (stats.mode & 0o777).toString(8), stats.isDirectory()] as const;
      });
      assert.ok(modes.length > 20);
      assert.deepEqual(
        modes.filter(([, mode, isDir]) => mode !== (isDir ? '700' : '600')),
        [],
      );
    });

    it('drops the warehouse view over the (encrypted) quarantine rows', async () => {
      const result = await claimflow('query', 'SELECT COUNT(*) FROM quarantine_rows', '--root', root);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /quarantine_rows does not exist/);
    });

    it('decrypts one file for review with the key, refuses a wrong key, and audits the decrypt', async () => {
      const [archived] = filesUnder(join(root, 'archive')).filter((f) => f.endsWith('claims.csv.enc'));
      const source = join(root, 'archive', archived ?? '');
      const out = join(dir, 'review.csv');
      const wrongKey = join(dir, 'wrong.key');
      await writeFile(wrongKey, randomBytes(32).toString('base64'));
      const refused = await claimflow('decrypt', source, '--out', out, '--master-key-file', wrongKey);
      assert.equal(refused.code, 2);
      assert.match(refused.stderr, /the key does not open this file, or the file was altered/);
      assert.equal(existsSync(out), false);

      const before = auditEntries(root).length;
      const opened = await claimflow('decrypt', source, '--out', out, '--master-key-file', masterKeyFile);
      assert.equal(opened.code, 0, opened.stderr);
      assert.deepEqual(await readFile(out), await readFile(claims));
      assert.equal(statSync(out).mode & 0o777, 0o600);
      const entries = auditEntries(root);
      assert.equal(entries.length, before + 1, 'the refused attempt decrypted nothing and is not recorded');
      assert.deepEqual(
        { ...entries.at(-1), seq: 0, at: '', prev: '', hash: '', user: '' },
        {
          seq: 0,
          at: '',
          prev: '',
          hash: '',
          user: '',
          action: 'decrypt',
          object: `archive/${archived}`,
          job_id: archived?.split('/')[1],
          command: 'decrypt',
        },
      );
      const again = await claimflow('decrypt', source, '--out', out, '--master-key-file', masterKeyFile);
      assert.equal(again.code, 1, 'an existing file is never replaced');
    });

    it('records every read and write of the run in the audit log, with jobs, command and user', () => {
      const entries = auditEntries(root).filter((e) => e.command === 'run');
      const objects = (action: string, prefix: string) =>
        entries.filter((e) => e.action === action && e.object.startsWith(prefix)).length;
      assert.equal(entries.filter((e) => e.action === 'read' && e.object === claims).length, 2); // archive copy, engine
      assert.equal(objects('write', 'archive/'), 2);
      assert.equal(objects('write', 'quarantine/rows/'), 1);
      assert.equal(objects('write', 'quarantine/files/'), 1);
      assert.equal(objects('write', 'processed/claims/'), 1);
      assert.equal(objects('write', 'processed/aggregations/'), 2);
      assert.equal(objects('write', 'validation-reports/'), 4);
      const jobs = new Set(entries.filter((e) => e.object.startsWith('validation-reports/')).map((e) => e.job_id));
      assert.equal(jobs.size, 2);
      for (const e of entries.filter((e) => e.action === 'write' && !e.object.startsWith('processed/aggregations/')))
        assert.ok(jobs.has(e.job_id), `${e.object} names its job`);
      assert.ok(entries.every((e) => e.user.length > 0));
    });

    it('records a report the dashboard serves, and a warehouse query, but not the SQL', async () => {
      const dashboard = startClaimflow(['dashboard', '--root', root, '--port', '0']);
      try {
        await dashboard.waitFor(/claimflow dashboard: http:\/\/\S+\//);
        const url = /(http:\/\/\S+\/)/.exec(dashboard.stderr())?.[1] ?? '';
        const [report] = filesUnder(join(root, 'validation-reports')).filter((f) => f.endsWith('.html'));
        const served = await fetch(`${url}reports/${report}`);
        assert.equal(served.status, 200);
        await served.text();
      } finally {
        dashboard.child.kill('SIGTERM');
        await dashboard.exited;
      }
      await query(root, `SELECT COUNT(*) AS n FROM medical_claim WHERE person_id = '${CANARY}P0000001'`);
      const [served, queried] = auditEntries(root).slice(-2);
      assert.deepEqual(
        [
          served?.action,
          served?.command,
          served?.object.startsWith('validation-reports/'),
          served?.job_id !== undefined,
        ],
        ['read', 'dashboard', true, true],
      );
      assert.deepEqual([queried?.action, queried?.command, queried?.object], ['read', 'query', 'warehouse.duckdb']);
      assert.equal(readFileSync(join(root, 'audit', 'audit.jsonl'), 'utf8').includes(CANARY), false);
    });

    it('audit verify: intact exits 0; an edited, removed, reordered or cut-off entry is each reported, exit 2', async () => {
      const intact = await claimflow('audit', 'verify', '--root', root);
      assert.equal(intact.code, 0, intact.stdout);
      assert.match(intact.stdout, /intact, \d+ entries/);
      const lines = (await readFile(join(root, 'audit', 'audit.jsonl'), 'utf8')).trim().split('\n');
      assert.ok(lines.length >= 8);
      const tampered = async (name: string, edit: (all: string[]) => string[]): Promise<CliResult> => {
        const copy = join(dir, `tampered-${name}`);
        await cp(join(root, 'audit'), join(copy, 'audit'), { recursive: true });
        await writeFile(join(copy, 'audit', 'audit.jsonl'), `${edit([...lines]).join('\n')}\n`);
        return claimflow('audit', 'verify', '--root', copy);
      };
      const problems = (result: CliResult): string[] =>
        result.stdout
          .split('\n')
          .filter((l) => l.startsWith('line '))
          .map((l) => l.split(':').slice(0, 2).join(':'));

      const edited = await tampered('edit', (all) =>
        all.with(2, (all[2] ?? '').replace(/"user":"[^"]*"/, '"user":"mallory"')),
      );
      assert.equal(edited.code, 2);
      assert.deepEqual(problems(edited), ['line 3: edited']);
      assert.match(edited.stdout, /1 problem\(s\)/);

      const removed = await tampered('delete', (all) => all.toSpliced(4, 1));
      assert.equal(removed.code, 2);
      assert.deepEqual(problems(removed), ['line 5: removed_or_reordered', 'line 5: broken_link']);

      const reordered = await tampered('reorder', (all) => [all[1], all[0], ...all.slice(2)] as string[]);
      assert.equal(reordered.code, 2);
      assert.deepEqual(problems(reordered).slice(0, 2), ['line 1: removed_or_reordered', 'line 1: broken_link']);

      const truncated = await tampered('truncate', (all) => all.slice(0, -2));
      assert.equal(truncated.code, 2);
      assert.deepEqual(problems(truncated), [`line ${lines.length - 2}: truncated`]);
    });
  });

  it('dead letters: the payload is sealed on disk, listed and replayed with the key (here from the environment)', async () => {
    const root = join(dir, 'dlq');
    await mkdir(join(root, 'raw/claims'), { recursive: true });
    const inboxName = `${CANARY}-feed.csv`;
    await copyFile(claims, join(root, 'raw/claims', inboxName));
    const args = ['--root', root, '--max-attempts', '2', '--retry-base-ms', '10', ...RUN_DATE];
    const keyEnv = { CLAIMFLOW_MASTER_KEY: masterKey.toString('base64') };
    const watch = startClaimflow(['watch', '--once', '--settle-ms', '50', ...args], {
      ...keyEnv,
      CLAIMFLOW_FAULTS: 'publish',
    });
    assert.equal(await watch.exited, 3, 'watch --once exits 3: its work was dead-lettered');

    const letters = filesUnder(join(root, 'dlq'));
    assert.equal(letters.length, 1);
    // The letter names its input (a file name here holding the canary) only inside the sealed part.
    assert.deepEqual(holdsCanary(join(root, 'dlq')), []);
    assert.deepEqual(holdsCanary(join(root, 'archive')), []);
    const withoutKey = await claimflow('dlq', 'list', '--root', root, '--json');
    assert.equal(withoutKey.code, 1);
    assert.match(withoutKey.stderr, /is encrypted: give the master key/);

    const listed = await claimflowWithEnv(keyEnv, 'dlq', 'list', '--json', '--root', root);
    assert.equal(listed.code, 0, listed.stderr);
    const [letter] = JSON.parse(listed.stdout) as Array<{
      message: { key: string };
      errors: Array<{ message: string }>;
    }>;
    assert.equal(letter?.message.key, `raw/claims/${inboxName}`);
    assert.match(letter?.errors[0]?.message ?? '', /injected fault/);

    const replay = await claimflowWithEnv(keyEnv, 'dlq', 'replay', '--all', ...args);
    assert.equal(replay.code, 0, replay.stderr);
    assert.deepEqual(filesUnder(join(root, 'dlq')), []);
    assert.ok(filesUnder(join(root, 'processed', 'claims')).length > 0);
    const commands = new Set(auditEntries(root).map((e) => e.command));
    assert.deepEqual([...commands].sort(), ['dlq list', 'dlq replay', 'watch']);
  });

  it('pseudonymized mart: HMAC tokens for member ids, stable across runs with the key, gone without it', async () => {
    const root = join(dir, 'pseudonymized');
    const pseudonymKey = randomBytes(32);
    await writeFile(join(dir, 'pseudonym.key'), pseudonymKey);
    const config = join(dir, 'security.yaml');
    await writeFile(config, 'security:\n  pseudonym_key_file: pseudonym.key\n'); // relative to the config
    const runWith = async (...flags: string[]) => {
      const result = await claimflow('run', claims, '--root', root, ...RUN_DATE, ...flags);
      assert.equal(result.code, 0, result.stderr);
    };
    await runWith('--config', config);
    const token = (id: unknown): string => createHmac('sha256', pseudonymKey).update(String(id)).digest('hex');
    const order = 'ORDER BY claim_id, claim_line_number';
    const raw = await query(root, `SELECT claim_id, person_id, member_id FROM medical_claim ${order}`);
    const mart = await query(root, `SELECT claim_id, person_id, member_id FROM medical_claim_pseudonymized ${order}`);
    assert.ok(raw.length > 1_000);
    assert.ok(String(raw[0]?.person_id).startsWith(CANARY));
    assert.deepEqual(
      mart,
      raw.map((r) => ({ claim_id: r.claim_id, person_id: token(r.person_id), member_id: token(r.member_id) })),
    );
    const columns = async (table: string) =>
      (await query(root, `SELECT column_name FROM (DESCRIBE ${table})`)).map((r) => r.column_name);
    assert.deepEqual(
      await columns('medical_claim_pseudonymized'),
      (await columns('medical_claim')).filter((c) => c !== 'extra_columns'),
    );
    // The mart is files beside the claims, readable without the key, with no raw member id in them.
    const pseudonymized = join(root, 'processed', 'pseudonymized');
    assert.equal(filesUnder(pseudonymized).length, 1);
    assert.deepEqual(holdsCanary(pseudonymized), []);

    // Same key, another run: the same tokens.
    await runWith('--config', config);
    assert.deepEqual(
      await query(root, `SELECT claim_id, person_id, member_id FROM medical_claim_pseudonymized ${order}`),
      mart,
    );
    // A run without the key deletes the mart rather than leave it stale.
    await runWith();
    assert.deepEqual(filesUnder(pseudonymized), []);
    const gone = await claimflow('query', 'SELECT COUNT(*) FROM medical_claim_pseudonymized', '--root', root);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /medical_claim_pseudonymized does not exist/);
  });
});
