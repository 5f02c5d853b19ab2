import type { GenerateFlags } from './options.ts';
import { writeClaimsFile } from './write-claims-file.ts';

export async function generateCommand(flags: GenerateFlags): Promise<number> {
  const file = await writeClaimsFile(flags.out, flags.rows, flags.format, {
    seed: flags.seed,
    defectRate: flags.defectRate,
    month: flags.month,
    spread: flags.spread,
  });
  process.stdout.write(
    `wrote ${file.rows} claim lines (${file.defects} planted defects) to ${file.path}; expectations in ${file.expectedPath}\n`,
  );
  return 0;
}
