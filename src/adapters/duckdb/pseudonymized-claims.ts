import { createHmac, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { MEMBER_IDENTIFIER_COLUMNS } from '../../domain/canonical-model.ts';
import { PREFIXES, pseudonymizedClaimKey } from '../../domain/store-layout.ts';
import type { ObjectStore } from '../../pipeline/object-store.ts';
import type { Engine } from '../../pipeline/ports.ts';
import { EXTRA_COLUMNS } from '../../plan/compile-plan.ts';
import { hmacPadsOf } from '../../plan/dialect.ts';
import { duckdbDialect } from '../../plan/duckdb-dialect.ts';
import { literalPath } from '../../plan/duckdb-ingest.ts';

const SCRATCH = 'pseudonymized';
const q = duckdbDialect.quoteIdent;
const lit = duckdbDialect.stringLiteral;

/**
 * Brings the pseudonymized copy of the published claims up to date: each claim file gets a copy
 * with `person_id` and `member_id` replaced by their HMAC-SHA-256 tokens, computed in SQL over the
 * whole file. Only claim files newer than their copy are rewritten, so a refresh costs what
 * changed; copies of files gone (or made with another key: the key's id is in the name) are
 * deleted. Source columns with no canonical home (`extra_columns`) are left out, as they may name
 * the member. Without a key every copy is deleted rather than left stale.
 */
export async function syncPseudonymizedClaims(engine: Engine, store: ObjectStore, key: Buffer | null): Promise<void> {
  const existing = new Set(await store.list(PREFIXES.pseudonymizedClaims));
  const keyId = key && keyIdOf(key);
  const wanted = new Map<string, string>();
  if (keyId) {
    for (const source of await store.list(PREFIXES.processedClaims)) {
      if (source.endsWith('.parquet')) wanted.set(pseudonymizedClaimKey(source, keyId), source);
    }
  }
  for (const copy of existing) if (!wanted.has(copy)) await store.delete(copy);
  if (!key) return;
  const pads = hmacPadsOf(key);
  // A file holds only the canonical columns its input had: the identifiers it has are replaced.
  const columnsOf = (identifiers: readonly string[]): string => {
    const tokens = identifiers.map((c) => `${duckdbDialect.hmacSha256(q(c), pads)} AS ${q(c)}`);
    return `* EXCLUDE (${q(EXTRA_COLUMNS)})${tokens.length ? ` REPLACE (${tokens.join(', ')})` : ''}`;
  };
  const scratch = await store.scratchDir(SCRATCH);
  try {
    for (const [copy, source] of wanted) {
      if (existing.has(copy) && modifiedAt(store, copy) >= modifiedAt(store, source)) continue;
      const local = join(scratch, `${randomUUID()}.parquet`);
      // The partition is in the path, as for the claims: not written into the copy.
      const lines = `read_parquet(${literalPath(await store.fetchLocal(source, SCRATCH))}, hive_partitioning = false)`;
      const names = new Set((await engine.query(`DESCRIBE SELECT * FROM ${lines}`)).map((r) => String(r.column_name)));
      const columns = columnsOf(MEMBER_IDENTIFIER_COLUMNS.filter((c) => names.has(c)));
      await engine.run(
        `COPY (SELECT ${columns} FROM ${lines}) TO ${lit(local)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880)`,
      );
      await store.publish(local, copy);
    }
  } finally {
    await store.dropScratch(SCRATCH);
  }
}

/** Names a key without revealing it, so copies made with another key are told apart. */
function keyIdOf(key: Buffer): string {
  return createHmac('sha256', key).update('claimflow pseudonym key id').digest('hex').slice(0, 12);
}

function modifiedAt(store: ObjectStore, key: string): number {
  return statSync(store.locate(key)).mtimeMs;
}
