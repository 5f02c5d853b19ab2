/** A payer extract nothing like the canonical layout: pipes, renamed columns, DD/MM/YYYY, CPT slots, a member file. */
export const ACME_LINES = [
  'CLAIM NO|LINE|MEMBER|FROM DATE|TO DATE|KIND|DX1|CPT_1|CPT_2|CPT_3|PAID_1|PAID_2|PAID_3|NOTES',
  'A1|1|M1|31/01/2025|02/02/2025|P|E119|99213|80053||50.00|10.00|0.00|first visit',
  'A2|1|M2|15/03/2025|15/03/2025|I|I10||||1200.00|0.00|0.00|',
  'A3|1|M1|31/02/2025|31/02/2025|P|E119|99214|||75.00|0.00|0.00|bad date',
];
export const ACME_MEMBERS = ['MEMBER,DOB,SEX', 'M1,04/07/1950,2', 'M2,29/02/1960,1'];
/** The YAML profile that maps it: renames, value codes, day-first dates, unpivoted CPT slots, a member companion. */
export const ACME_PROFILE = `
name: acme
description: ACME payer extract
layouts:
  - id: lines
    role: claims
    description: One row per claim, up to three CPT codes
    detect:
      headers: [CLAIM NO, MEMBER, CPT_1]
    companions:
      - name: members
        files: ['acme_members*.csv']
        key: MEMBER
        on: MEMBER
    unpivot:
      slots: 3
      filled: hcpcs_code
      columns:
        hcpcs_code: CPT_{n}
        paid_amount: PAID_{n}
    columns:
      claim_id: CLAIM NO
      person_id: MEMBER
      claim_type: { column: KIND, values: { P: professional, I: institutional } }
      claim_start_date: { column: FROM DATE, date_format: DD/MM/YYYY }
      claim_end_date: { column: TO DATE, date_format: DD/MM/YYYY }
      diagnosis_code_1: DX1
      birth_date: { column: members.DOB, date_format: DD/MM/YYYY }
      gender: { column: members.SEX, values: { '1': male, '2': female } }
`;
