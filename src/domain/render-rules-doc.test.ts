import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { renderRulesDoc } from './render-rules-doc.ts';
import { ALL_RULES } from './rule-catalog.ts';
import { TABLES } from './tables/tables.ts';

it('docs/rules.md is the generated catalog (run `npx tsx scripts/write-rules-doc.ts` after changing rules)', () => {
  const doc = readFileSync(new URL('../../docs/rules.md', import.meta.url), 'utf8');
  assert.equal(doc, renderRulesDoc());
  for (const rule of ALL_RULES) assert.ok(doc.includes(`| \`${rule.id}\` |`), rule.id);
  // Every table's catalog, each rule under its table's heading with that table's description.
  const sections = doc.split(/^## /m);
  for (const table of TABLES) {
    const section = sections.find((s) =>
      s.startsWith(table.name === 'medical_claim' ? 'Row rules' : `\`${table.name}\` row rules`),
    );
    assert.ok(section, table.name);
    for (const r of table.rules) {
      const row = `| \`${r.id}\` | ${r.dimension} | ${r.severity} | ${r.action} | ${r.description.replaceAll('|', '\\|')}`;
      assert.ok(section.includes(row), `${table.name}: ${r.id}`);
    }
    // And what each of its rules needs, under the table's own heading.
    const needs = doc.split(/^### /m).find((s) => s.startsWith(`${table.name}\n`));
    assert.ok(needs, `needs of ${table.name}`);
    for (const r of table.rules) assert.ok(needs.includes(`| \`${r.id}\` |`), `needs of ${table.name}: ${r.id}`);
  }
});
