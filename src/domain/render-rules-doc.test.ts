import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { renderRulesDoc } from './render-rules-doc.ts';
import { ALL_RULES } from './rule-catalog.ts';

it('docs/rules.md is the generated catalog (run `npx tsx scripts/write-rules-doc.ts` after changing rules)', () => {
  const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
  assert.equal(doc, renderRulesDoc());
  for (const rule of ALL_RULES) assert.ok(doc.includes(`| \`${rule.id}\` |`), rule.id);
});
