import Database from 'better-sqlite3';
import type { DeliveryClaim, JobRecord, Ledger } from '../../pipeline/ledger.ts';

/** The ledger in `<root>/ledger.sqlite` (WAL, so `claimflow` commands can read it while `watch` writes). */
export class SqliteLedger implements Ledger {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS jobs (
        job_id TEXT PRIMARY KEY,
        input_key TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        total_records INTEGER,
        processed_records INTEGER,
        quarantined_records INTEGER,
        error TEXT
      );
      CREATE INDEX IF NOT EXISTS jobs_by_hash ON jobs (sha256, status);
      CREATE TABLE IF NOT EXISTS skipped_deliveries (
        sha256 TEXT NOT NULL, input_key TEXT NOT NULL, duplicate_of TEXT NOT NULL, at TEXT NOT NULL
      );`);
  }

  async claimDelivery(sha256: string, key: string, jobId: string, at: Date): Promise<DeliveryClaim> {
    return this.db.transaction((): DeliveryClaim => {
      const previous = this.db
        .prepare(
          `SELECT job_id FROM jobs WHERE sha256 = ? AND status IN ('SUCCEEDED', 'STARTED') ORDER BY started_at LIMIT 1`,
        )
        .get(sha256) as { job_id: string } | undefined;
      if (previous) {
        this.db
          .prepare('INSERT INTO skipped_deliveries (sha256, input_key, duplicate_of, at) VALUES (?, ?, ?, ?)')
          .run(sha256, key, previous.job_id, at.toISOString());
        return { kind: 'duplicate', job_id: previous.job_id };
      }
      this.db
        .prepare(`INSERT INTO jobs (job_id, input_key, sha256, status, started_at) VALUES (?, ?, ?, 'STARTED', ?)`)
        .run(jobId, key, sha256, at.toISOString());
      return { kind: 'new' };
    })();
  }

  async recordAttempt(jobId: string): Promise<void> {
    this.db.prepare('UPDATE jobs SET attempts = attempts + 1 WHERE job_id = ?').run(jobId);
  }

  async finishJob(
    jobId: string,
    status: 'SUCCEEDED' | 'FAILED',
    at: Date,
    details: { total?: number; processed?: number; quarantined?: number; error?: string },
  ): Promise<void> {
    this.db
      .prepare(
        `UPDATE jobs SET status = ?, finished_at = ?, total_records = ?, processed_records = ?, quarantined_records = ?, error = ?
         WHERE job_id = ?`,
      )
      .run(
        status,
        at.toISOString(),
        details.total ?? null,
        details.processed ?? null,
        details.quarantined ?? null,
        details.error ?? null,
        jobId,
      );
  }

  async unfinishedJobs(): Promise<JobRecord[]> {
    return this.db.prepare(`SELECT * FROM jobs WHERE status = 'STARTED' ORDER BY started_at`).all() as JobRecord[];
  }

  async job(jobId: string): Promise<JobRecord | undefined> {
    return this.db.prepare('SELECT * FROM jobs WHERE job_id = ?').get(jobId) as JobRecord | undefined;
  }

  async jobs(limit: number): Promise<JobRecord[]> {
    return this.db.prepare('SELECT * FROM jobs ORDER BY started_at DESC LIMIT ?').all(limit) as JobRecord[];
  }

  close(): void {
    this.db.close();
  }
}
