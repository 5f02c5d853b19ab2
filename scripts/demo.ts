// `npm start`: a demo month of synthetic claims through the whole pipeline on the embedded defaults.
import { mkdir } from 'node:fs/promises';
import { main } from '../src/cli/main.ts';

const root = process.argv[2] ?? './claimflow-data';
const rows = process.argv[3] ?? '200000';
const input = `${root}/raw/claims/demo-claims-2025-10.csv`;

await mkdir(`${root}/raw/claims`, { recursive: true });
let code = await main(['generate', '--rows', rows, '--out', input, '--month', '2025-10', '--seed', '7']);
if (code === 0) code = await main(['run', input, '--root', root]);
if (code === 0) {
  process.stdout.write(
    `\nTry: npx claimflow query "SELECT service_category, COUNT(*) AS lines, SUM(paid_amount) AS paid FROM medical_claim GROUP BY ALL ORDER BY lines DESC" --root ${root}\n`,
  );
}
process.exitCode = code;
