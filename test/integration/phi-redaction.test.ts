import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { claimflow, startClaimflow, tempDir } from '../support/cli.ts';
import { SHARED_DIR } from '../support/shared.ts';

/** Values of claim rows planted in the malformed files: none may leave the pipeline's own data. */
const MARKERS = ['MZQX4471', 'Qorvent', 'Zyxwal', '1961-07-23', '4471.93', 'E1165', 'J9271', '999-77-1234'];
const RUN_DATE = ['--run-date', '2026-01-31'];
/** A position an engine message kept: a CSV line, a byte offset, a JSON line or record. */
const POSITION = /(Line: \d+|byte \d+|line \d+|record\/value \d+)/;

function assertNoMarker(text: string, where: string): void {
  for (const marker of MARKERS) assert.ok(!text.includes(marker), `${marker} found in ${where}:\n${text}`);
}

/** Every file under a folder, concatenated (empty when the folder does not exist). */
async function readAll(dir: string): Promise<string> {
  const names = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  const texts = await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8').catch(() => '')));
  return texts.join('\n');
}

/** Malformed claim files holding the markers, as a feed could deliver them. */
async function writeMalformedFiles(dir: string): Promise<{ array: string; ndjson: string; synthea: string }> {
  const array = join(dir, 'bad-array.json');
  await writeFile(
    array,
    `[{"claim_id":"C1","person_id":"MZQX4471","patient_name":"Zyxwal Qorvent","birth_date":"1961-07-23","diagnosis_code_1":"E1165","hcpcs_code":"J9271","paid_amount":"4471.93"},\n` +
      `{"claim_id":"C2","person_id": MZQX4471, "patient_name": Zyxwal Qorvent, "birth_date": 1961-07-23}]\n`,
  );
  const ndjson = join(dir, 'bad-lines.ndjson');
  await writeFile(
    ndjson,
    `{"claim_id":"C1","person_id":"MZQX4471","birth_date":"1961-07-23","paid_amount":"4471.93"}\n` +
      `{"claim_id":"C2","person_id":"MZQX4471","patient_name":"Zyxwal Qorvent","diagnosis_code_1":"E1165"\n` +
      `{"claim_id":"C3","hcpcs_code": J9271, "ssn": 999-77-1234}\n`,
  );
  // A Synthea export whose patients.csv (a companion, read beside the claims) has a broken record.
  const synthea = join(dir, 'synthea');
  await mkdir(synthea);
  for (const name of ['claims_transactions.csv', 'claims.csv', 'patients.csv', 'payers.csv'])
    await copyFile(join(SHARED_DIR, 'samples/synthea/csv', name), join(synthea, name));
  const patients = (await readFile(join(synthea, 'patients.csv'), 'utf8')).trimEnd().split('\n').length;
  assert.equal(patients, 12, 'the sample has a header and 11 patients');
  await appendFile(
    join(synthea, 'patients.csv'),
    'MZQX4471,1961-07-23,,999-77-1234,,,,"Zyxwal,Qorvent,,,,white,nonhispanic,M,Town,1 Road,City,State,County,,01234,1.0,2.0,4471.93,0,0\n',
  );
  return { array, ndjson, synthea: join(synthea, 'claims_transactions.csv') };
}

/** A GET of /metrics from a chosen loopback source address. */
function get(url: string, from: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('metrics', url), { localAddress: from, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

type Alert = { event_type: string; severity?: string; title?: string };
const securityAlerts = async (root: string): Promise<Alert[]> =>
  (await readAll(join(root, 'events')))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Alert)
    .filter((e) => e.event_type === 'alert' && e.title?.startsWith('Security event'));

describe('no claim value reaches logs, errors, events or dead letters', () => {
  let dir: string;
  let files: Awaited<ReturnType<typeof writeMalformedFiles>>;

  before(async () => {
    dir = await tempDir('phi');
    files = await writeMalformedFiles(dir);
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('run: rejected files are reported with the engine error kind and position, without their values', async () => {
    const root = join(dir, 'run');
    const run = await claimflow(
      'run',
      files.array,
      files.ndjson,
      files.synthea,
      '--root',
      root,
      '--verbose',
      ...RUN_DATE,
    );
    assert.equal(run.code, 2, run.stderr);
    assertNoMarker(run.stdout, 'stdout');
    assertNoMarker(run.stderr, 'stderr');
    assert.match(
      run.stderr,
      /^claimflow: claims_transactions\.csv: unreadable_file: Invalid Input Error: CSV Error on Line: 13; Value with unterminated quote found\.$/m,
    );
    assert.match(
      run.stderr,
      /^claimflow: bad-array\.json: unreadable_file: Invalid Input Error: Malformed JSON in file \[redacted\], /m,
    );
    assert.match(run.stderr, /^claimflow: bad-lines\.ndjson: /m);
    for (const line of run.stderr.split('\n').filter((l) => /^claimflow: .*unreadable_file: .*Error/.test(l)))
      assert.match(line, POSITION);
    // The log lines are JSON, and the events (alerts) and the reports' reasons are clean too.
    for (const line of run.stderr.split('\n').filter((l) => l.startsWith('{'))) JSON.parse(line);
    assertNoMarker(await readAll(join(root, 'events')), 'the event log');
    const reports = await readAll(join(root, 'validation-reports'));
    assertNoMarker(reports, 'the validation reports');
    assert.match(reports, /CSV Error on Line: 13/);

    const json = await claimflow(
      'run',
      files.array,
      files.synthea,
      '--root',
      join(dir, 'run-json'),
      '--json',
      ...RUN_DATE,
    );
    assertNoMarker(json.stdout + json.stderr, 'run --json');
    const errors = (JSON.parse(json.stdout) as { files: Array<{ error: string | null }> }).files.map((f) => f.error);
    assert.equal(errors.length, 2);
    for (const error of errors) assert.match(error ?? '', POSITION);
  });

  it('watch with injected faults: events, the log and dead letters hold identifiers only', async () => {
    const root = join(dir, 'watch');
    const inbox = join(root, 'raw/claims');
    await mkdir(inbox, { recursive: true });
    await copyFile(files.array, join(inbox, 'bad-array.json'));
    await copyFile(files.ndjson, join(inbox, 'bad-lines.ndjson'));
    const good = join(dir, 'good.csv');
    const generated = await claimflow('generate', '--rows', '300', '--out', good, '--seed', '5', '--month', '2025-11');
    assert.equal(generated.code, 0, generated.stderr);
    await copyFile(good, join(inbox, 'good.csv'));
    const args = ['--root', root, '--max-attempts', '2', '--retry-base-ms', '10', ...RUN_DATE];
    const watch = startClaimflow(['watch', '--once', '--settle-ms', '50', '--verbose', ...args], {
      CLAIMFLOW_FAULTS: 'publish',
    });
    assert.equal(await watch.exited, 3, 'watch --once exits 3: its work was dead-lettered');
    assertNoMarker(watch.stderr(), 'watch stderr');
    assert.match(watch.stderr(), /"message":"pipeline error"/);

    const events = await claimflow('events', '--root', root);
    assertNoMarker(events.stdout, 'the events');
    const errors = events.stdout
      .split('\n')
      .filter(Boolean)
      .map(
        (l) =>
          JSON.parse(l) as {
            event_type: string;
            error_type?: string;
            error_message?: string;
            context?: { file: string };
          },
      )
      .filter((e) => e.event_type === 'error');
    const rejected = errors.filter((e) => e.error_type === 'data_quality');
    assert.ok(
      rejected.some((e) => e.context?.file === 'bad-array.json'),
      events.stdout,
    );
    for (const e of rejected.filter((r) => /^unreadable_file: .*Error/.test(r.error_message ?? '')))
      assert.match(e.error_message ?? '', POSITION);
    assert.ok(
      errors.some((e) => e.error_type === 'transient' && e.context?.file === 'good.csv'),
      events.stdout,
    );

    const listed = await claimflow('dlq', 'list', '--root', root, '--json');
    assertNoMarker(listed.stdout, 'dlq list --json');
    const letters = JSON.parse(listed.stdout) as Array<{ errors: Array<{ message: string }> }>;
    assert.equal(letters.length, 1);
    assert.deepEqual(
      letters[0]?.errors.map((e) => e.message),
      Array(2).fill('injected fault: object store publish unavailable'),
    );
    const plain = await claimflow('dlq', 'list', '--root', root);
    assertNoMarker(plain.stdout + plain.stderr, 'dlq list');
    assertNoMarker(await readAll(join(root, 'dlq')), 'the dead-letter files');
    assertNoMarker(await readAll(join(root, 'events')), 'the event log files');
  });

  it('dashboard: failed authentications raise one critical alert per remote address per minute', async () => {
    const root = join(dir, 'dashboard');
    await mkdir(root);
    const token = 'it-0123456789abcdefXYZ';
    const dashboard = startClaimflow(['dashboard', '--root', root, '--port', '0', '--token', token]);
    await dashboard.waitFor(/claimflow dashboard: (http:\S+)/);
    const url = /claimflow dashboard: (http:\S+)/.exec(dashboard.stderr())?.[1] ?? assert.fail('no url');
    const wrong = { authorization: 'Bearer wrong-0123456789abcdefXYZ' };
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push(await get(url, '127.0.0.1', wrong));
    statuses.push(await get(url, '127.0.0.1'), await get(url, '127.0.0.2', wrong), await get(url, '127.0.0.2'));
    assert.deepEqual(statuses, Array(9).fill(401));
    assert.equal(await get(url, '127.0.0.1', { authorization: `Bearer ${token}` }), 200);
    dashboard.child.kill('SIGTERM');
    assert.equal(await dashboard.exited, 0, dashboard.stderr());

    assert.deepEqual(
      (await securityAlerts(root)).map((a) => [a.severity, a.title]),
      Array(2).fill(['critical', 'Security event: auth_failure']),
    );
    const logged = dashboard
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      logged.filter((l) => l.message === 'security event').map((l) => [l.remote_address, l.failures]),
      [
        ['127.0.0.1', 1],
        ['127.0.0.2', 1],
      ],
    );
    assert.equal(logged.filter((l) => l.message === 'alert' && l.severity === 'critical').length, 2);
    assert.ok(!dashboard.stderr().includes(token.slice(3)), 'the token is never logged');
  });

  it('dashboard: a bind beyond loopback without a token is refused and raised as a security event', async () => {
    const root = join(dir, 'dashboard-bind');
    await mkdir(root);
    const dashboard = startClaimflow(['dashboard', '--root', root, '--host', '0.0.0.0', '--port', '0'], {
      CLAIMFLOW_DASHBOARD_TOKEN: '',
    });
    assert.equal(await dashboard.exited, 1);
    assert.match(
      dashboard.stderr(),
      /^claimflow: --host 0\.0\.0\.0 is reachable from other machines: give a token \(--token or CLAIMFLOW_DASHBOARD_TOKEN\)$/m,
    );
    assert.deepEqual(
      (await securityAlerts(root)).map((a) => [a.severity, a.title]),
      [['critical', 'Security event: insecure_bind_refused']],
    );
  });
});
