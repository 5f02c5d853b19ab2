import { userInfo } from 'node:os';
import { isAbsolute, relative, sep } from 'node:path';
import { type AuditEvent, HashChainedAuditLog } from './hash-chained-audit-log.ts';

/** The commands that touch claim data, as the audit log names them. */
export type AuditCommand = 'run' | 'validate' | 'watch' | 'dlq list' | 'dlq replay' | 'decrypt' | 'dashboard' | 'query';

/** Appends who did what to which object, for one command of one user. */
export interface AuditTrail {
  /** `object`: a store key, or a file path (named by its key when it lies under the root). */
  record(action: AuditEvent['action'], object: string, jobId?: string): Promise<void>;
}

/** Job ids (`claims-etl-YYYYMMDD-HHMMSS-NNNN`) are part of most keys and scratch names. */
const JOB_ID = /claims-etl-\d{8}-\d{6}-\d{4}/;

/** The first job id found in the texts (keys, paths, scratch names), if any. */
export function jobIdIn(...texts: readonly string[]): string | undefined {
  for (const text of texts) {
    const match = JOB_ID.exec(text);
    if (match) return match[0];
  }
  return undefined;
}

/** The audit trail of `command` in `<root>/audit/`; the user is the operating-system account. */
export function openAuditTrail(root: string, command: AuditCommand, now: () => Date = () => new Date()): AuditTrail {
  const log = new HashChainedAuditLog(root);
  const user = currentUser();
  const nameOf = (object: string): string => {
    if (!isAbsolute(object)) return object;
    const inRoot = relative(root, object);
    return inRoot.startsWith('..') || isAbsolute(inRoot) ? object : inRoot.split(sep).join('/');
  };
  return {
    async record(action, object, jobId = jobIdIn(object)) {
      await log.append({ action, object: nameOf(object), ...(jobId ? { job_id: jobId } : {}), command, user }, now());
    },
  };
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // A container user without a passwd entry has a uid only.
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}
