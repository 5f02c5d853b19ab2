import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeError, REDACTED, redactFields, sanitizeErrorMessage } from './redact.ts';

/** Values of one claim row: none may come out of the redaction. */
const CLAIM = {
  member_id: 'MZQX4471',
  patient_name: 'Zyxwal Qorvent',
  birth_date: '1961-07-23',
  diagnosis_code_1: 'E1165',
  hcpcs_code: 'J9271',
  paid_amount: '4471.93',
};
const VALUES = Object.values(CLAIM);
const assertNoClaimValue = (text: string): void => {
  for (const value of [...VALUES, 'Zyxwal', 'Qorvent', '4471'])
    assert.ok(!text.includes(value), `${value} in: ${text}`);
};

describe('redactFields', () => {
  it('keeps the listed identifiers, counts and durations as they are', () => {
    const fields = {
      job_id: 'claims-etl-20261125-224932-4004',
      file: 'claims 2025-01.csv',
      rule_id: 'invalid_icd10cm_format',
      stage: 'ingest',
      table: 'pharmacy_claim',
      severity: 'critical',
      error_type: 'data_quality',
      source_row_number: 1_048_577,
      total_records: 4000,
      error_records: 59,
      score: 97.5,
      timings_ms: { archive: 11, ingest: 39, check: 65 },
      counts: { total_records: 4000, error_records: 59 },
      remote_address: '::ffff:127.0.0.1',
      path: '/api/metrics',
      first_position: 'segment 12',
      job_run_id: undefined,
      layout: null,
    };
    assert.deepEqual(redactFields(fields), fields);
  });

  it('redacts every field that is not listed, whatever its value', () => {
    const out = redactFields({ ...CLAIM, job_id: 'claims-etl-20261125-224932-4004', note: 'ok', rows: [1, 2] });
    assert.deepEqual(out, {
      member_id: REDACTED,
      patient_name: REDACTED,
      birth_date: REDACTED,
      diagnosis_code_1: REDACTED,
      hcpcs_code: REDACTED,
      paid_amount: REDACTED,
      job_id: 'claims-etl-20261125-224932-4004',
      note: REDACTED,
      rows: REDACTED,
    });
  });

  it('redacts a listed field whose value does not have its shape', () => {
    const out = redactFields({
      job_id: 'MZQX4471 Zyxwal Qorvent',
      file: '/home/qorvent/claims.csv',
      rule_id: { value: 'E1165' },
      total_records: '4471.93',
      error_records: -1,
      timings_ms: { ingest: -5 },
      counts: { 'Zyxwal Qorvent': 1 },
      path: '/reports/<script>',
      remote_address: 'Zyxwal',
      first_position: 'segment 12: MZQX4471',
    });
    for (const [name, value] of Object.entries(out)) assert.equal(value, REDACTED, name);
  });

  it('sanitises free-text fields instead of dropping them', () => {
    const out = redactFields({
      error: `Conversion Error: CSV Error on Line: 3\nOriginal Line: ${Object.values(CLAIM).join(',')}`,
      reason: `Could not convert string '${CLAIM.paid_amount}' to DOUBLE`,
      summary: 'bad.csv (job claims-etl-20261125-224932-4004) was rejected whole by error_rate_exceeded.',
      title: 42,
    });
    assert.deepEqual(out, {
      error: 'Conversion Error: CSV Error on Line: 3',
      reason: `Could not convert string ${REDACTED} to DOUBLE`,
      summary: 'bad.csv (job claims-etl-20261125-224932-4004) was rejected whole by error_rate_exceeded.',
      title: REDACTED,
    });
  });
});

describe('sanitizeErrorMessage', () => {
  it('leaves claimflow’s own wording of rejections and failures as it is', () => {
    const own = [
      'error_rate_exceeded: 59 of 4000 rows (1.48%) failed validation, over the threshold of 5.00%',
      'unreadable_file: no claim could be read (3 error(s); first at segment 12: CLM01 (claim id) is empty)',
      'unreadable_file: binary content (NUL bytes) in the first bytes of the file',
      'missing_required_column: the header lacks claim_type, person_id (tried 18 layout(s); closest of each profile: cms-synpuf/beneficiary_summary lacks DESYNPUF_ID, BENE_BIRTH_DT; x12-837/claim_lines lacks an X12 interchange (ISA segment first))',
      'etl failed after 3 attempt(s): injected fault: object store publish unavailable; dead-lettered as claims-etl-20261125-224932-4004-etl',
      'claims-2025-01-02.csv (job claims-etl-20261125-224932-4004) succeeded: 400 rows, 8 quarantined, quality 98.7, 1.4 s. Breach: quality score 98.7 is under 99.',
      's3://claims-bucket/raw/claims/claims-1.csv: SlowDown, worth retrying',
      'SQLITE_CONSTRAINT_UNIQUE: UNIQUE constraint failed: jobs.sha256',
      'Conversion Error: Could not convert string [redacted] to DECIMAL(12,2)',
    ];
    for (const message of own) assert.equal(sanitizeErrorMessage(message), message);
  });

  it('removes quoted values, echoed lines and the statement an engine repeats, keeping kind and position', () => {
    const row = Object.values(CLAIM).join(',');
    const cases: Array<[string, string]> = [
      [
        `Invalid Input Error: CSV Error on Line: 3\nOriginal Line: ${row}\n\nExpected Number of Columns: 5 Found: 6\nPossible fixes:\n* Enable null padding\n\n  file = /data/claims.csv\n  delimiter = ,`,
        'Invalid Input Error: CSV Error on Line: 3; Expected Number of Columns: 5 Found: 6',
      ],
      [
        `Invalid Input Error: Could not parse string "${CLAIM.birth_date}" according to format specifier "%m/%d/%Y"\n${CLAIM.birth_date}\n^\nError: Expected a number`,
        `Invalid Input Error: Could not parse string ${REDACTED} according to format specifier ${REDACTED}; Error: Expected a number`,
      ],
      [
        `Invalid Input Error: Malformed JSON at byte 6 of input: unexpected character.  Input: "{"member_id": ${CLAIM.member_id}}"`,
        'Invalid Input Error: Malformed JSON at byte 6 of',
      ],
      [
        `Conversion Error: Type INT64 with value 19610723 can't be cast because the value is out of range for the destination type INT32\n\nLINE 1: SELECT CAST('${CLAIM.member_id}' AS INTEGER)\n               ^`,
        `Conversion Error: Type INT64 with value ${REDACTED} can't be cast because the value is out of range for the destination type INT32`,
      ],
      [`near "${CLAIM.member_id}": syntax error`, `near ${REDACTED}: syntax error`],
      [
        `ValidationException: One or more parameter values were invalid: {"member_id":{"S":"${CLAIM.member_id}"}}`,
        `ValidationException: One or more parameter values were invalid: ${REDACTED}`,
      ],
    ];
    for (const [raw, expected] of cases) assert.equal(sanitizeErrorMessage(raw), expected);
  });

  it('removes unquoted dates, amounts, codes, long numbers and CSV fragments, but keeps positions', () => {
    const out = sanitizeErrorMessage(
      `bad row at line 12345678, byte 90123456: member ${CLAIM.member_id} born ${CLAIM.birth_date} (03/14/1977, 14-Mar-1977) ` +
        `paid $${CLAIM.paid_amount} dx ${CLAIM.diagnosis_code_1} E11.65 cpt ${CLAIM.hcpcs_code} npi 1234567893 ssn 999-77-1234 row MZ1,Zyxwal,12 'Zyxwal Qorvent`,
    );
    assertNoClaimValue(out);
    assert.equal(
      out,
      `bad row at line 12345678, byte 90123456: member ${REDACTED} born ${REDACTED} (${REDACTED}) paid ${REDACTED} dx ${REDACTED} cpt ${REDACTED} npi ${REDACTED} ssn ${REDACTED} row ${REDACTED}`,
    );
  });

  it('gives the same text when sanitised twice, without control characters, at most 400 characters', () => {
    const raw = `Conversion Error: CSV Error on Line: 7\u001b[31m\nError when converting column "paid". Could not convert string "${CLAIM.paid_amount}" to 'DOUBLE' ${'word '.repeat(200)}`;
    const once = sanitizeErrorMessage(raw);
    assert.equal(sanitizeErrorMessage(once), once);
    assert.ok(once.length <= 400, String(once.length));
    assert.ok(!/\p{Cc}/u.test(once));
    assert.match(
      once,
      /^Conversion Error: CSV Error on Line: 7 \[redacted\]; Error when converting column \[redacted\]\. Could not convert string \[redacted\] to DOUBLE word/,
    );
  });
});

describe('describeError', () => {
  it('sanitises the message of anything thrown', () => {
    assert.equal(
      describeError(new Error(`Could not convert string '${CLAIM.member_id}' to INT32`)),
      `Could not convert string ${REDACTED} to INT32`,
    );
    assert.equal(describeError(`value ${CLAIM.member_id}`), `value ${REDACTED}`);
    assert.equal(describeError(new Error('')), 'unknown error');
  });
});

describe('sanitizeErrorMessage: file names', () => {
  it('keeps X12 file names of every extension, upper case and with digits too (issue 22)', () => {
    for (const name of ['CLAIMS_Q1.837I', 'batch-7.837p', 'X12_2024.837', 'Feed2.PSV', 'd2.jsonl.gz'])
      assert.equal(sanitizeErrorMessage(`could not read ${name} at segment 3`), `could not read ${name} at segment 3`);
  });
});
