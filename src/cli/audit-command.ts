import { z } from 'zod';
import { HashChainedAuditLog } from '../adapters/audit/hash-chained-audit-log.ts';
import { readerRoot } from './reader-root.ts';
import { EXIT } from './run-command.ts';

/** Flags of `claimflow audit verify`. */
export const auditFlagsSchema = z.object({
  root: z.string().min(1).default('./claimflow-data'),
});
export type AuditFlags = z.infer<typeof auditFlagsSchema>;

/**
 * `claimflow audit verify`: checks the root's hash-chained audit log and prints each problem
 * (line, kind, detail). Exit 0 when the chain is intact, 2 when an entry was edited, removed,
 * reordered or cut off.
 */
export async function auditVerifyCommand(flags: AuditFlags): Promise<number> {
  const root = readerRoot(flags.root);
  const log = new HashChainedAuditLog(root);
  const problems = log.verify();
  for (const p of problems) process.stdout.write(`line ${p.line}: ${p.problem}: ${p.detail}\n`);
  if (problems.length > 0) {
    process.stdout.write(`audit log ${log.file}: ${problems.length} problem(s); it has been altered\n`);
    return EXIT.fileFailed;
  }
  process.stdout.write(`audit log ${log.file}: intact, ${log.entries().length} entries\n`);
  return EXIT.ok;
}
