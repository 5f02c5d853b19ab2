import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ROW_RULES } from '../rule-catalog.ts';
import { FILE_ROLES, ruleAppliesTo } from './file-roles.ts';

it('names only rules of the catalog, and claims run every rule', () => {
  const ids = new Set(ROW_RULES.map((r) => r.id));
  for (const [role, spec] of Object.entries(FILE_ROLES)) {
    if (spec.rules === 'all') continue;
    for (const id of spec.rules) assert.ok(ids.has(id), `${role}: ${id} is not a row rule`);
  }
  assert.ok(ROW_RULES.every((r) => ruleAppliesTo('claims', r.id)));
  assert.equal(ruleAppliesTo('members', 'invalid_gender'), true);
  assert.equal(ruleAppliesTo('members', 'required_field_missing'), false);
  assert.equal(ruleAppliesTo('pharmacy', 'invalid_claim_type'), false);
  assert.deepEqual(
    Object.entries(FILE_ROLES).map(([role, spec]) => [role, spec.published]),
    [
      ['claims', true],
      ['members', false],
      ['pharmacy', false],
      ['providers', false],
      ['reference', false],
    ],
  );
});
