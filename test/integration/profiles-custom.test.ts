import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { loadConfig } from '../../src/cli/load-config.ts';
import { loadProfile, loadSourceProfiles } from '../../src/cli/load-profile.ts';
import { ConfigError, UsageError } from '../../src/domain/errors.ts';
import { ACME_LINES, ACME_MEMBERS, ACME_PROFILE } from '../support/acme-profile.ts';
import { lit, sql, tempDir } from '../support/cli.ts';
import { failing, publishedLines, runInProcess } from '../support/profile-run.ts';
import { SHARED_DIR } from '../support/shared.ts';

const LINES = ACME_LINES;
const MEMBERS = ACME_MEMBERS;
/** The shared ACME profile, declaring its diagnosis code system. */
const PROFILE = ACME_PROFILE.replace(
  '\n    columns:\n',
  '\n    code_systems:\n      diagnosis: icd-10-cm\n    columns:\n',
);

describe('a custom YAML profile given with --profile', () => {
  let dir: string;
  let feed: string;
  let profile: string;

  before(async () => {
    dir = await tempDir('custom-profile');
    feed = join(dir, 'acme_lines_2025.txt');
    profile = join(dir, 'acme.yaml');
    await writeFile(feed, `${LINES.join('\n')}\n`);
    await writeFile(join(dir, 'acme_members_2025.csv'), `${MEMBERS.join('\n')}\n`);
    await writeFile(profile, PROFILE);
  });

  it('maps renamed columns, value codes, day-first dates, CPT slots and a member file onto canonical lines', async () => {
    const { root, summary } = await runInProcess([feed], { profile, errorThreshold: 1 });
    const report = summary.files[0]?.report;
    assert.deepEqual(report?.profile && [report.profile.name, report.profile.layout, report.profile.selected_by], [
      'acme',
      'lines',
      'flag',
    ]);
    assert.deepEqual(report?.profile?.companions, [{ name: 'members', files: ['acme_members_2025.csv'] }]);
    // A1 bills two codes, A2 none (one line), A3 one, with a 31 February that is quarantined.
    assert.deepEqual(report?.summary, { total_records: 4, valid_records: 3, error_records: 1 });
    assert.equal(report?.rules.find((r) => r.rule_id === 'invalid_date_format')?.row_count, 1);
    assert.deepEqual(report?.unknown_columns, ['LINE', 'NOTES']);
    const lines = await publishedLines(
      root,
      'acme_lines_2025.txt',
      `claim_id, claim_line_number, claim_type, hcpcs_code, CAST(paid_amount AS VARCHAR) AS paid,
       CAST(claim_start_date AS VARCHAR) AS start, CAST(birth_date AS VARCHAR) AS birth, gender, diagnosis_code_type`,
    );
    const common = { diagnosis_code_type: 'icd-10-cm' };
    assert.deepEqual(lines, [
      {
        claim_id: 'A1',
        claim_line_number: 1,
        claim_type: 'professional',
        hcpcs_code: '99213',
        paid: '50.00',
        start: '2025-01-31',
        birth: '1950-07-04',
        gender: 'female',
        ...common,
      },
      {
        claim_id: 'A1',
        claim_line_number: 2,
        claim_type: 'professional',
        hcpcs_code: '80053',
        paid: '10.00',
        start: '2025-01-31',
        birth: '1950-07-04',
        gender: 'female',
        ...common,
      },
      {
        claim_id: 'A2',
        claim_line_number: 1,
        claim_type: 'institutional',
        hcpcs_code: null,
        paid: '1200.00',
        start: '2025-03-15',
        birth: '1960-02-29',
        gender: 'male',
        ...common,
      },
    ]);
  });

  it('skips the rules judging only columns the profile never maps, and does not score them', async () => {
    const { summary } = await runInProcess([feed], { profile, errorThreshold: 1 });
    const report = summary.files[0]?.report;
    assert.ok(report);
    // The profile maps no bill type or place of service: before, A2 (institutional) warned for the one and
    // A1's two lines and A3 (professional) for the other, so every line failed completeness (score 0).
    assert.ok(!PROFILE.includes('bill_type_code') && !PROFILE.includes('place_of_service_code'));
    const reasons = Object.fromEntries(report.skipped_rules.map((s) => [s.rule_id, s.reason]));
    assert.equal(reasons.missing_bill_type_institutional, 'acme/lines never carries bill_type_code');
    assert.equal(reasons.missing_pos_professional, 'acme/lines never carries place_of_service_code');
    assert.equal(reasons.paid_exceeds_allowed, 'acme/lines never carries allowed_amount');
    assert.deepEqual(failing(report), { invalid_date_format: 1 });
    assert.deepEqual(report.quality?.dimensions.completeness, { score: 100, failed_rows: 0 });
  });

  it('skips the rules a by-name layout declares it never feeds (never_carries), where the standard profile runs them', async () => {
    const folder = join(dir, 'never-carries');
    await mkdir(folder);
    const claims = join(folder, 'canon_claims.csv');
    await writeFile(
      claims,
      'claim_id,claim_line_number,claim_type,person_id,claim_start_date,claim_end_date\nC1,1,institutional,M1,2025-01-02,2025-01-03\n',
    );
    const declared = join(folder, 'canon.yaml');
    await writeFile(
      declared,
      [
        'name: canon',
        'layouts:',
        '  - id: lines',
        '    role: claims',
        '    detect: { headers: [claim_id, claim_type] }',
        '    match_by_name: true',
        '    never_carries: [bill_type_code]',
        '',
      ].join('\n'),
    );
    const standard = (await runInProcess([claims], {})).summary.files[0]?.report;
    assert.equal(standard?.profile?.name, 'standard');
    assert.deepEqual(failing(standard), { missing_bill_type_institutional: 1 });
    const report = (await runInProcess([claims], { profile: declared })).summary.files[0]?.report;
    assert.equal(report?.profile?.name, 'canon');
    assert.deepEqual(failing(report), {});
    assert.deepEqual(
      report?.skipped_rules.filter((s) => s.reason.startsWith('canon/')),
      [
        { rule_id: 'invalid_bill_type', reason: 'canon/lines never carries bill_type_code' },
        { rule_id: 'missing_bill_type_institutional', reason: 'canon/lines never carries bill_type_code' },
      ],
    );
    assert.deepEqual(standard?.quality?.dimensions.completeness, { score: 0, failed_rows: 1 });
    assert.deepEqual(report?.quality?.dimensions.completeness, { score: 100, failed_rows: 0 });
  });

  it("reads columns named like the layout compiler's own, or equal but for case, as data in a reshaped file and its companion", async () => {
    const folder = join(dir, 'reserved');
    await mkdir(folder);
    const reserved = '_row_number|_raw_line|_ingest_error|_cf_slot|_cf_line|member|Notes|file_row_number';
    const lines = [
      `${LINES[0]}|${reserved}`,
      `${LINES[1]}|r1|l1|e1|s1|c1|m1|n1|f1`,
      'A9|1|M9',
      `${LINES[2]}|r3|l3|e3|s3|c3|m3|n3|f3`,
    ];
    const feed = join(folder, 'acme_lines_2025.txt');
    await writeFile(feed, `${lines.join('\n')}\n`);
    const members = [
      'MEMBER,DOB,SEX,_cf_key,dob,_raw_line',
      'M1,04/07/1950,2,k1,01/01/2000,x',
      'M2,29/02/1960,1,k2,,y',
    ];
    await writeFile(join(folder, 'acme_members_2025.csv'), `${members.join('\n')}\n`);
    const { root, summary } = await runInProcess([feed], { profile, errorThreshold: 1 });
    const report = summary.files[0]?.report;
    assert.equal(report?.file_error, null);
    assert.deepEqual(report?.summary, { total_records: 4, valid_records: 3, error_records: 1 });
    assert.deepEqual(report?.unknown_columns, ['LINE', 'NOTES', ...reserved.split('|')]);
    const published = await publishedLines(
      root,
      'acme_lines_2025.txt',
      'claim_id, claim_line_number, source_row_number, hcpcs_code, person_id, CAST(birth_date AS VARCHAR) AS birth, extra_columns',
    );
    const extra = (n: number, notes: string | null) => ({
      LINE: '1',
      NOTES: notes,
      ...Object.fromEntries(reserved.split('|').map((name, i) => [name, `${'rlescmnf'[i]}${n}`])),
    });
    assert.deepEqual(
      published.map((r) => ({ ...r, extra_columns: JSON.parse(String(r.extra_columns)) })),
      [
        {
          claim_id: 'A1',
          claim_line_number: 1,
          source_row_number: 1n,
          hcpcs_code: '99213',
          person_id: 'M1',
          birth: '1950-07-04',
          extra_columns: extra(1, 'first visit'),
        },
        {
          claim_id: 'A1',
          claim_line_number: 2,
          source_row_number: 1n,
          hcpcs_code: '80053',
          person_id: 'M1',
          birth: '1950-07-04',
          extra_columns: extra(1, 'first visit'),
        },
        {
          claim_id: 'A2',
          claim_line_number: 1,
          source_row_number: 3n,
          hcpcs_code: null,
          person_id: 'M2',
          birth: '1960-02-29',
          extra_columns: extra(3, null),
        },
      ],
    );
  });

  it('publishes a layout that names pharmacy_claim to that table, with its own columns and rules', async () => {
    const rx = join(dir, 'acme_rx_2025.csv');
    await writeFile(
      rx,
      [
        'RXNO,MEMBER,FILLED,NDC,QTY,DAYS,PAID,PAIDON,PRESCRIBER',
        'R1,M1,05/03/2025,1234-5678-90,"30,5",30,12.50,2025-03-07,1234567893',
        'R2,M2,06/03/2025,12345-6789-01,60,0,8.00,2025-03-08,1234567893',
        'R3,M1,07/03/2025,12345-678-90,1,30,3.10,2025-03-09,1234567893',
      ].join('\n'),
    );
    const rxProfile = join(dir, 'acme-rx.yaml');
    await writeFile(
      rxProfile,
      `name: acme-rx
layouts:
  - id: fills
    role: pharmacy
    table: pharmacy_claim
    detect: { headers: [RXNO, NDC, DAYS] }
    columns:
      claim_id: RXNO
      claim_line_number: { value: "1" }
      person_id: MEMBER
      dispensing_date: { column: FILLED, date_format: DD/MM/YYYY }
      ndc_code: NDC
      quantity: { column: QTY, number_format: decimal_comma }
      days_supply: DAYS
      paid_amount: PAID
      paid_date: PAIDON
      prescribing_provider_npi: PRESCRIBER
`,
    );
    const { root, summary } = await runInProcess([rx], { profile: rxProfile, errorThreshold: 1 });
    const report = summary.files[0]?.report;
    assert.deepEqual(report?.profile && [report.profile.layout, report.profile.table], ['fills', 'pharmacy_claim']);
    // R2 dispenses for 0 days.
    assert.deepEqual(report?.summary, { total_records: 3, valid_records: 2, error_records: 1 });
    assert.deepEqual(failing(report), { invalid_days_supply: 1 });
    const fills = await sql(
      `SELECT claim_id, ndc_code, CAST(quantity AS VARCHAR) AS quantity, CAST(dispensing_date AS VARCHAR) AS filled
       FROM read_parquet(${lit(join(root, 'processed/pharmacy_claim/*/*/*.parquet'))}) ORDER BY claim_id`,
    );
    assert.deepEqual(fills, [
      { claim_id: 'R1', ndc_code: '01234567890', quantity: '30.500', filled: '2025-03-05' },
      { claim_id: 'R3', ndc_code: '12345067890', quantity: '1.000', filled: '2025-03-07' },
    ]);
  });

  it('rejects a file the profile does not fit', async () => {
    const { summary } = await runInProcess([join(SHARED_DIR, 'samples/tuva/eligibility_seed.csv')], { profile });
    assert.equal(
      summary.files[0]?.report?.file_error?.reason,
      'the acme profile does not fit (tried 1 layout(s); closest of each profile: acme/lines lacks CLAIM NO, MEMBER, CPT_1)',
    );
  });

  it('refuses an invalid profile file or an unknown name before any file is read', async () => {
    const broken = join(dir, 'broken.yaml');
    await writeFile(broken, PROFILE.replace('claim_id: CLAIM NO', 'claim_number: CLAIM NO'));
    await assert.rejects(
      loadProfile(broken),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.message.includes('is not a valid profile: layouts.0.columns.claim_number: not a canonical column'),
    );
    await assert.rejects(
      loadProfile('synpuf'),
      (error: unknown) =>
        error instanceof UsageError &&
        error.message ===
          '--profile synpuf: neither a built-in profile (x12-837, fhir-eob, tuva, cms-synpuf, synthea, nppes, standard) nor a profile file',
    );
    assert.equal((await loadProfile('cms-synpuf')).name, 'cms-synpuf');
  });
});

describe('a config source naming a profile (sources.<name>.profile)', () => {
  let dir: string;
  let feed: string;
  /** An input another profile reads: the Tuva eligibility seed, detected as tuva/eligibility. */
  const detected = join(SHARED_DIR, 'samples/tuva/eligibility_seed.csv');

  /** A config in `dir` whose `acme` source reads acme_lines_* files with `profile`. */
  async function configWith(name: string, profile: string): Promise<string> {
    const config = join(dir, name);
    const source = { files: ['acme_lines_*'], profile, thresholds: { error_rate: 1 } };
    await writeFile(config, JSON.stringify({ sources: { acme: source } }));
    return config;
  }

  before(async () => {
    dir = await tempDir('source-profile');
    feed = join(dir, 'acme_lines_2025.txt');
    await writeFile(feed, `${LINES.join('\n')}\n`);
    await writeFile(join(dir, 'acme_members_2025.csv'), `${MEMBERS.join('\n')}\n`);
    // Relative to the config file, as the security key files are.
    await mkdir(join(dir, 'profiles'));
    await writeFile(join(dir, 'profiles/acme.yaml'), PROFILE);
  });

  it("reads the source's files with its profile, file relative to the config, and detects the others", async () => {
    const config = await configWith('claimflow.json', './profiles/acme.yaml');
    const { summary } = await runInProcess([feed, detected], { config });
    const profiles = summary.files.map((f) => {
      const p = f.report?.profile;
      return [f.file.split('/').at(-1), p?.name, p?.layout, p?.selected_by];
    });
    assert.deepEqual(profiles, [
      ['acme_lines_2025.txt', 'acme', 'lines', 'source'],
      ['eligibility_seed.csv', 'tuva', 'eligibility', 'detection'],
    ]);
    // The acme file as --profile reads it: the member companion, and the 31 February quarantined.
    const acme = summary.files[0]?.report;
    assert.deepEqual(acme?.profile?.companions, [{ name: 'members', files: ['acme_members_2025.csv'] }]);
    assert.deepEqual(acme?.summary, { total_records: 4, valid_records: 3, error_records: 1 });
    assert.equal(summary.files[0]?.status, 'SUCCEEDED');
  });

  it('takes a built-in name, and --profile wins over it for every file', async () => {
    const config = await configWith('builtin.json', 'standard');
    const flagged = await runInProcess([feed], { config, profile: join(dir, 'profiles/acme.yaml') });
    const report = flagged.summary.files[0]?.report;
    assert.deepEqual([report?.profile?.name, report?.profile?.selected_by], ['acme', 'flag']);
    // Without the flag the source's built-in is forced, and does not fit the ACME layout.
    const sourced = await runInProcess([feed], { config });
    assert.match(sourced.summary.files[0]?.report?.file_error?.reason ?? '', /^the standard profile does not fit/);
  });

  it('refuses an unknown name or an invalid profile file, naming the config file and the source', async () => {
    const unknown = await configWith('unknown.json', 'synpuf');
    await assert.rejects(
      loadSourceProfiles(await loadConfig(unknown), unknown),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.file === unknown &&
        error.message.includes('sources.acme.profile: synpuf is neither a built-in profile (x12-837, fhir-eob,'),
    );
    await writeFile(join(dir, 'broken.yaml'), PROFILE.replace('claim_id: CLAIM NO', 'claim_number: CLAIM NO'));
    const broken = await configWith('broken.json', 'broken.yaml');
    await assert.rejects(
      runInProcess([feed], { config: broken }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.file === broken &&
        error.message.includes(
          `sources.acme.profile: ${join(dir, 'broken.yaml')} is not a valid profile: layouts.0.columns.claim_number: not a canonical column`,
        ),
    );
  });
});
