import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveRules } from './resolve-rules.ts';
import type { RowRule, RuleThresholds } from './rule.ts';
import { ROW_RULES } from './rule-catalog.ts';
import { missingNeeds, skipRulesSourceCannotFeed, sourceLackingNeeds } from './rule-needs.ts';

const THRESHOLDS: RuleThresholds = {
  earliestDate: '1900-01-01',
  amountTolerance: 0.01,
  timelyFilingDays: 365,
  timelyFilingBasis: 'paid_date',
};
const rule = (id: string): RowRule => {
  const found = ROW_RULES.find((r) => r.id === id);
  assert.ok(found, id);
  return found;
};

describe('rule needs: what a source must carry for a rule to judge its rows', () => {
  it('a rule is unfed by a missing column it cannot judge without, or by a group missing whole', () => {
    const lacking = (id: string, columns: string[]): readonly string[] =>
      missingNeeds(rule(id), new Set(columns), THRESHOLDS);
    assert.deepEqual(lacking('missing_bill_type_institutional', ['bill_type_code']), ['bill_type_code']);
    assert.deepEqual(lacking('paid_exceeds_allowed', ['allowed_amount', 'charge_amount']), ['allowed_amount']);
    // Dates are judged wherever one is carried.
    assert.deepEqual(lacking('invalid_date_format', ['admission_date', 'discharge_date', 'paid_date']), []);
    assert.deepEqual(lacking('amount_breakdown_mismatch', ['copayment_amount', 'coinsurance_amount']), []);
    assert.deepEqual(
      lacking('amount_breakdown_mismatch', ['copayment_amount', 'coinsurance_amount', 'deductible_amount']),
      ['any of copayment_amount, coinsurance_amount, deductible_amount'],
    );
    // A code type only narrows what is judged.
    assert.deepEqual(lacking('invalid_drg', ['drg_code_type']), []);
    assert.deepEqual(lacking('malformed_row', ['bill_type_code']), []);
    assert.deepEqual(missingNeeds(rule('late_claim'), new Set(['paid_date']), THRESHOLDS), ['paid_date']);
    const runDate = { ...THRESHOLDS, timelyFilingBasis: 'run_date' } as const;
    assert.deepEqual(missingNeeds(rule('late_claim'), new Set(['paid_date']), runDate), []);
  });

  it('skips the unfed rules with the source as the reason, in catalog order, and keeps the config and list reasons', () => {
    const resolved = resolveRules(
      ROW_RULES,
      [{ invalid_place_of_service: { enabled: false }, invalid_gender: { enabled: false } }],
      new Set(['bill_type']),
    );
    const source = { name: 'acme/lines', neverCarries: ['place_of_service_code', 'bill_type_code'] };
    const { rules, skipped } = skipRulesSourceCannotFeed(resolved, ROW_RULES, source, THRESHOLDS);
    assert.deepEqual(skipped, [
      // The config's choice stays its reason.
      { rule_id: 'invalid_place_of_service', reason: 'disabled in the config' },
      // No list would make it run on this source: the source is the reason.
      { rule_id: 'unknown_place_of_service', reason: 'acme/lines never carries place_of_service_code' },
      {
        rule_id: 'unknown_icd10cm_code',
        reason: resolved.skipped.find((s) => s.rule_id === 'unknown_icd10cm_code')?.reason,
      },
      {
        rule_id: 'unknown_hcpcs_code',
        reason: resolved.skipped.find((s) => s.rule_id === 'unknown_hcpcs_code')?.reason,
      },
      { rule_id: 'invalid_bill_type', reason: 'acme/lines never carries bill_type_code' },
      {
        rule_id: 'invalid_revenue_code',
        reason: resolved.skipped.find((s) => s.rule_id === 'invalid_revenue_code')?.reason,
      },
      { rule_id: 'invalid_drg', reason: resolved.skipped.find((s) => s.rule_id === 'invalid_drg')?.reason },
      { rule_id: 'missing_pos_professional', reason: 'acme/lines never carries place_of_service_code' },
      { rule_id: 'missing_bill_type_institutional', reason: 'acme/lines never carries bill_type_code' },
      { rule_id: 'invalid_gender', reason: 'disabled in the config' },
    ]);
    assert.equal(rules.length + skipped.length, ROW_RULES.length);
    assert.deepEqual(
      skipped.filter((s) => sourceLackingNeeds(s.reason) === 'acme/lines').map((s) => s.rule_id),
      ['unknown_place_of_service', 'invalid_bill_type', 'missing_pos_professional', 'missing_bill_type_institutional'],
    );
    assert.ok(!rules.some((r) => skipped.some((s) => s.rule_id === r.id)));
  });

  it('changes nothing for a source that may carry every column', () => {
    const resolved = resolveRules(ROW_RULES, [], new Set());
    const same = skipRulesSourceCannotFeed(resolved, ROW_RULES, { name: 'standard', neverCarries: [] }, THRESHOLDS);
    assert.equal(same, resolved);
  });
});
