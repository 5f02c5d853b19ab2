import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileJobHarness, fileSettingsFor as settingsFor } from '../../../test/support/file-job-harness.ts';
import { SHARED_DIR } from '../../../test/support/shared.ts';
import { ClaimFileError } from '../../domain/errors.ts';
import { BUILTIN_PROFILES } from '../../domain/profiles/builtin-profiles.ts';
import { CMS_SYNPUF_PROFILE } from '../../domain/profiles/cms-synpuf-profile.ts';
import type { SourceProfile } from '../../domain/profiles/source-profile.ts';
import { STANDARD_PROFILE } from '../../domain/profiles/standard-profile.ts';
import { TUVA_PROFILE } from '../../domain/profiles/tuva-profile.ts';
import { ROW_RULES } from '../../domain/rule-catalog.ts';
import { GENERATED_COLUMNS } from '../../domain/synthetic-claims.ts';
import { ELIGIBILITY_RULES } from '../../domain/tables/eligibility-rules.ts';
import { PHARMACY_RULES } from '../../domain/tables/pharmacy-rules.ts';
import { ELIGIBILITY_TABLE, PHARMACY_CLAIM_TABLE, PROVIDER_TABLE } from '../../domain/tables/tables.ts';
import { chooseProfile } from './choose-profile.ts';
import type { FileJobOptions } from './file-job-options.ts';
import type { JobContext } from './job-context.ts';

const MEMBER_RULES = ['malformed_row', 'invalid_date_format', 'date_out_of_range', 'invalid_gender'];
const beneficiaryHeader = [
  ...(CMS_SYNPUF_PROFILE.layouts.find((l) => l.id === 'beneficiary_summary')?.detect.headers ?? []),
];
/** Synthea's patients.csv: a members file that fills no table. */
const patientsHeader = ['Id', 'BIRTHDATE', 'DEATHDATE', 'GENDER', 'HEALTHCARE_EXPENSES'];
const ids = (rules: ReadonlyArray<{ id: string } | { rule_id: string }>): string[] =>
  rules.map((r) => ('id' in r ? r.id : r.rule_id));

const firstLine = async (path: string): Promise<string[]> =>
  ((await readFile(path, 'utf8')).split('\n')[0] ?? '').split(',');

describe('choose-profile: the profile and layout a file takes, and the rules it runs', () => {
  const harness = fileJobHarness('choose-profile');
  let logged: Array<[string, Record<string, unknown> | undefined]>;
  let eligibilityHeader: string[];
  let medicalClaimHeader: string[];

  const jobWith = (options: Partial<FileJobOptions> = {}): JobContext =>
    harness.jobContext(
      '/inbox/claims.csv',
      { jobId: 'job-choose', ...options },
      {
        logger: {
          info: (m: string, f?: Record<string, unknown>) => void logged.push([m, f]),
          warn: () => {},
          error: () => {},
        },
      },
    );

  const haltReason = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      assert.ok(error instanceof ClaimFileError, `a ClaimFileError, not ${String(error)}`);
      assert.equal(error.ruleId, 'missing_required_column');
      return error.reason;
    }
    assert.fail('the file was not rejected');
  };

  before(async () => {
    eligibilityHeader = await firstLine(join(SHARED_DIR, 'samples/tuva/eligibility_seed.csv'));
    medicalClaimHeader = await firstLine(join(SHARED_DIR, 'samples/tuva/medical_claim_seed.csv'));
  });

  it('detects the standard profile from a canonical header, runs every rule and logs the choice', () => {
    logged = [];
    const settings = settingsFor('/inbox/claims.csv');
    assert.ok(settings.skippedRules.length > 0, 'rules needing reference lists are skipped without --refdata');
    const chosen = chooseProfile(jobWith(), { recordKind: null, columns: [...GENERATED_COLUMNS] });
    assert.equal(chosen.selection.profile.name, 'standard');
    assert.equal(chosen.selection.layout.id, 'claim_lines');
    assert.equal(chosen.selection.selectedBy, 'detection');
    assert.equal(chosen.publishes, true);
    assert.deepEqual(ids(chosen.rules), ids(settings.plan.rules));
    assert.deepEqual(ids(chosen.skippedRules), ids(settings.skippedRules));
    assert.deepEqual(logged, [
      [
        'profile selected',
        {
          job_id: 'job-choose',
          file: 'claims.csv',
          profile: 'standard',
          layout: 'claim_lines',
          role: 'claims',
          table: 'medical_claim',
          score: 6,
          selected_by: 'detection',
        },
      ],
    ]);
  });

  it('gives a layout that names a table that table and its whole catalog: Tuva eligibility is published', () => {
    const chosen = chooseProfile(jobWith(), { recordKind: null, columns: eligibilityHeader });
    assert.equal(chosen.selection.profile.name, 'tuva');
    assert.equal(chosen.selection.layout.id, 'eligibility');
    assert.equal(chosen.table, ELIGIBILITY_TABLE);
    assert.equal(chosen.publishes, true);
    assert.deepEqual(ids(chosen.rules), ids(ELIGIBILITY_RULES));
    assert.deepEqual(chosen.skippedRules, [], 'no eligibility rule needs a reference list');
  });

  it('gives SynPUF beneficiary summaries the eligibility table, as Tuva eligibility', () => {
    const chosen = chooseProfile(jobWith(), { recordKind: null, columns: beneficiaryHeader });
    assert.equal(chosen.selection.profile.name, 'cms-synpuf');
    assert.equal(chosen.selection.layout.id, 'beneficiary_summary');
    assert.equal(chosen.table, ELIGIBILITY_TABLE);
    assert.equal(chosen.publishes, true);
    assert.deepEqual(ids(chosen.rules), ids(ELIGIBILITY_RULES));
  });

  it('narrows the rules and the skipped rules to the layout role: Synthea patients run the member rules only', () => {
    const chosen = chooseProfile(jobWith(), { recordKind: null, columns: patientsHeader });
    assert.equal(chosen.selection.layout.role, 'members');
    assert.equal(chosen.publishes, false);
    assert.deepEqual(ids(chosen.rules), MEMBER_RULES);
    assert.deepEqual(chosen.skippedRules, [], 'no skipped rule applies to members');
  });

  it('narrows the plan rules when no rulesFor is given', () => {
    const rules = ROW_RULES.filter((r) => ['malformed_row', 'invalid_gender', 'invalid_npi'].includes(r.id));
    const settings = settingsFor('/inbox/claims.csv');
    const chosen = chooseProfile(
      jobWith({
        rulesFor: undefined,
        plan: { ...settings.plan, rules },
        skippedRules: [
          { rule_id: 'invalid_date_format', reason: 'disabled in the config' },
          { rule_id: 'invalid_npi', reason: 'disabled in the config' },
        ],
      }),
      { recordKind: null, columns: patientsHeader },
    );
    assert.deepEqual(ids(chosen.rules), ['malformed_row', 'invalid_gender']);
    assert.deepEqual(ids(chosen.skippedRules), ['invalid_date_format']);
  });

  it("skips a pharmacy layout's rules that judge pharmacy_claim columns it never carries, naming the profile", () => {
    const fills: SourceProfile = {
      name: 'acme-rx',
      description: 'fills with no quantity, days supply or prescriber',
      kind: 'tabular',
      layouts: [
        {
          id: 'fills',
          role: 'pharmacy',
          table: 'pharmacy_claim',
          description: 'mapped fills',
          detect: { headers: ['rx_id', 'rx_line', 'member', 'filled_on', 'ndc', 'pharmacy_npi', 'paid', 'paid_on'] },
          columns: {
            claim_id: 'rx_id',
            claim_line_number: 'rx_line',
            person_id: 'member',
            dispensing_date: 'filled_on',
            ndc_code: 'ndc',
            dispensing_provider_npi: 'pharmacy_npi',
            paid_amount: 'paid',
            paid_date: 'paid_on',
          },
        },
      ],
    };
    const header = [...(fills.layouts[0]?.detect.headers ?? [])];
    const chosen = chooseProfile(jobWith({ profiles: { catalog: [fills], forced: null } }), {
      recordKind: null,
      columns: header,
    });
    assert.equal(chosen.table, PHARMACY_CLAIM_TABLE);
    const never = (column: string): string => `acme-rx/fills never carries ${column}`;
    assert.deepEqual(chosen.skippedRules, [
      { rule_id: 'invalid_days_supply', reason: never('days_supply') },
      { rule_id: 'invalid_quantity', reason: never('quantity') },
      { rule_id: 'invalid_prescriber_npi', reason: never('prescribing_provider_npi') },
    ]);
    assert.deepEqual(
      ids(chosen.rules),
      ids(PHARMACY_RULES).filter((id) => !ids(chosen.skippedRules).includes(id)),
    );
  });

  it("skips a provider layout's rules that judge provider columns it never carries, and keeps those it only narrows by", () => {
    const registry: SourceProfile = {
      name: 'acme-npi',
      description: 'organizations with no dates, person names or slots',
      kind: 'tabular',
      layouts: [
        {
          id: 'orgs',
          role: 'providers',
          table: 'provider',
          description: 'mapped organizations',
          detect: { headers: ['NPI', 'KIND', 'LEGAL NAME', 'TAXONOMY'] },
          columns: {
            npi: 'NPI',
            entity_type_code: 'KIND',
            provider_organization_name: 'LEGAL NAME',
            primary_taxonomy_code: 'TAXONOMY',
          },
        },
      ],
    };
    const chosen = chooseProfile(jobWith({ profiles: { catalog: [registry], forced: null } }), {
      recordKind: null,
      columns: [...(registry.layouts[0]?.detect.headers ?? [])],
    });
    assert.equal(chosen.table, PROVIDER_TABLE);
    const never = (column: string): string => `acme-npi/orgs never carries ${column}`;
    const dates = never('any of enumeration_date, last_updated, deactivation_date, reactivation_date, file_date');
    assert.deepEqual(chosen.skippedRules, [
      { rule_id: 'invalid_date_format', reason: dates },
      { rule_id: 'date_out_of_range', reason: dates },
      { rule_id: 'missing_individual_name', reason: never('provider_last_name') },
      { rule_id: 'deactivated_provider', reason: never('deactivation_date') },
    ]);
    // invalid_entity_type only reads deactivation_date to excuse a deactivated NPI: it still runs.
    assert.deepEqual(ids(chosen.rules), [
      'malformed_row',
      'required_field_missing',
      'invalid_provider_npi',
      'invalid_entity_type',
      'invalid_taxonomy_code',
      'missing_organization_name',
    ]);
  });

  it("applies the profile's own rule overrides (SynPUF's synthetic NPIs only warn)", () => {
    const carrier = CMS_SYNPUF_PROFILE.layouts[0];
    assert.equal(carrier?.id, 'carrier');
    const chosen = chooseProfile(jobWith(), { recordKind: null, columns: [...(carrier?.detect.headers ?? [])] });
    assert.equal(chosen.selection.profile.name, 'cms-synpuf');
    assert.equal(chosen.rules.find((r) => r.id === 'invalid_npi')?.action, 'warn');
    const standard = chooseProfile(jobWith(), { recordKind: null, columns: [...GENERATED_COLUMNS] });
    assert.equal(standard.rules.find((r) => r.id === 'invalid_npi')?.action, 'quarantine');
  });

  it('honours a forced profile over a better-scoring detection', () => {
    const detected = chooseProfile(jobWith(), { recordKind: null, columns: medicalClaimHeader });
    assert.equal(detected.selection.profile.name, 'tuva');
    assert.equal(detected.selection.layout.id, 'medical_claim');
    const forced = chooseProfile(jobWith({ profiles: { catalog: BUILTIN_PROFILES, forced: STANDARD_PROFILE } }), {
      recordKind: null,
      columns: medicalClaimHeader,
    });
    assert.equal(forced.selection.profile.name, 'standard');
    assert.equal(forced.selection.selectedBy, 'flag');
    assert.deepEqual(
      forced.selection.tried.map((t) => t.profile),
      ['standard'],
      'no other profile is tried',
    );
  });

  it('rejects a file a forced profile does not fit, naming the profile', () => {
    const reason = haltReason(() =>
      chooseProfile(jobWith({ profiles: { catalog: BUILTIN_PROFILES, forced: TUVA_PROFILE } }), {
        recordKind: null,
        columns: [...GENERATED_COLUMNS],
      }),
    );
    assert.match(reason, /^the tuva profile does not fit /);
  });

  it('picks the record profile for X12 content, and a forced tabular profile refuses it', () => {
    const chosen = chooseProfile(jobWith(), { recordKind: 'x12', columns: [] });
    assert.equal(chosen.selection.profile.name, 'x12-837');
    assert.equal(chosen.selection.score, 1000);
    assert.equal(chosen.publishes, true);
    const reason = haltReason(() =>
      chooseProfile(jobWith({ profiles: { catalog: BUILTIN_PROFILES, forced: STANDARD_PROFILE } }), {
        recordKind: 'x12',
        columns: ['ISA*00*'],
      }),
    );
    assert.match(reason, /standard\/claim_lines lacks a header \(this is an X12 interchange/);
  });

  it('rejects columns that fit no layout as missing_required_column, naming the required columns missing', () => {
    const reason = haltReason(() =>
      chooseProfile(jobWith(), { recordKind: null, columns: ['claim_id', 'person_id', 'note'] }),
    );
    assert.match(reason, /^the header lacks claim_line_number, claim_type, claim_start_date, claim_end_date \(tried /);
    assert.match(reason, /standard\/claim_lines lacks claim_line_number, claim_type, claim_start_date and 1 more/);
  });
});
