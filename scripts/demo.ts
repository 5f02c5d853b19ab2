// `npm start`: a demo month of synthetic claims through the whole pipeline on the embedded defaults.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { main } from '../src/cli/main.ts';

const root = process.argv[2] ?? './claimflow-data';
const rows = process.argv[3] ?? '200000';
// Reference code lists, where ../shared/refdata sits beside this checkout; without them code-set rules are skipped.
const refdata = existsSync('../shared/refdata') ? ['--refdata', '../shared/refdata'] : [];
// Beside the root's folders, not in its inbox (raw/claims/): `watch` takes what lands there as a
// delivery, processes it and removes it, and the demo's input would be gone.
const inputs = `${root}/demo-input`;
const input = `${inputs}/demo-claims.csv`;

await mkdir(inputs, { recursive: true });
let code = await main(['generate', '--rows', rows, '--out', input, '--seed', '7']);
if (code === 0) code = await main(['run', input, '--root', root, ...refdata]);
if (code === 0) {
  process.stdout.write(
    `\nTry: npx claimflow query "SELECT service_category, COUNT(*) AS lines, SUM(paid_amount) AS paid FROM medical_claim GROUP BY ALL ORDER BY lines DESC" --root ${root}\n`,
  );
}
process.exitCode = code;
