// Writes docs/rules.md from the rule catalog, so the doc cannot drift from the code (a test checks it).
import { writeFileSync } from 'node:fs';
import { renderRulesDoc } from '../src/domain/render-rules-doc.ts';

writeFileSync(new URL('../docs/rules.md', import.meta.url), renderRulesDoc());
