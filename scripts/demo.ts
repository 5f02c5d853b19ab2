// `npm start`: a demo month of synthetic claims through the whole pipeline on the embedded defaults.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { main } from '../src/cli/main.ts';
import { folderOf, PREFIXES } from '../src/domain/store-layout.ts';

const root = process.argv[2] ?? './claimflow-data';
const rows = process.argv[3] ?? '200000';
// Reference code lists, where ../shared/refdata sits beside this checkout; without them code-set rules are skipped.
const refdata = existsSync('../shared/refdata') ? ['--refdata', '../shared/refdata'] : [];
const inbox = `${root}/${folderOf(PREFIXES.inbox)}`;
const input = `${inbox}/demo-claims.csv`;

await mkdir(inbox, { recursive: true });
let code = await main(['generate', '--rows', rows, '--out', input, '--seed', '7']);
if (code === 0) code = await main(['run', input, '--root', root, ...refdata]);
if (code === 0) {
  process.stdout.write(
    `\nTry: npx claimflow query "SELECT service_category, COUNT(*) AS lines, SUM(paid_amount) AS paid FROM medical_claim GROUP BY ALL ORDER BY lines DESC" --root ${root}\n`,
  );
}
process.exitCode = code;
