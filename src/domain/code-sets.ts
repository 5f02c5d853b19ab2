/** Reference code lists the membership rules check against; they change every year, so they are data. */
export const CODE_SETS = [
  'icd10cm',
  'place_of_service',
  'bill_type',
  'revenue_center',
  'ms_drg',
  'hcpcs_level_2',
] as const;
export type CodeSetName = (typeof CODE_SETS)[number];

/** Where each list sits in a reference-data folder laid out like ../shared/refdata. */
export const CODE_SET_SOURCES: Readonly<
  Record<CodeSetName, { readonly glob: string; readonly column: string; readonly where?: string }>
> = {
  icd10cm: { glob: 'icd10cm/icd10cm_order_*.csv', column: 'icd10cm_code', where: "valid_billing_code = '1'" },
  place_of_service: { glob: 'tuva-terminology/terminology__place_of_service.csv', column: 'place_of_service_code' },
  bill_type: { glob: 'tuva-terminology/terminology__bill_type.csv', column: 'bill_type_code' },
  revenue_center: { glob: 'tuva-terminology/terminology__revenue_center.csv', column: 'revenue_center_code' },
  ms_drg: { glob: 'tuva-terminology/terminology__ms_drg.csv', column: 'ms_drg_code' },
  hcpcs_level_2: { glob: 'tuva-terminology/terminology__hcpcs_level_2.csv', column: 'hcpcs' },
};
