/**
 * A professional claim line, in canonical columns, that passes every row rule of the catalog
 * (those needing reference lists too). Tests plant one defect by spreading it: `{ ...CLEAN_CLAIM_LINE, billing_npi: '1234567890' }`.
 */
export const CLEAN_CLAIM_LINE: Readonly<Record<string, string>> = Object.freeze({
  claim_id: 'C1',
  claim_line_number: '1',
  claim_type: 'professional',
  person_id: 'P1',
  claim_start_date: '2025-03-10',
  claim_end_date: '2025-03-10',
  place_of_service_code: '11',
  hcpcs_code: '99213',
  rendering_npi: '1234567893',
  billing_npi: '1234567893',
  diagnosis_code_type: 'icd-10-cm',
  diagnosis_code_1: 'E11.9',
  service_unit_quantity: '1',
  paid_date: '2025-04-01',
  charge_amount: '12.00',
  allowed_amount: '10.00',
  paid_amount: '10.00',
  gender: 'female',
});
