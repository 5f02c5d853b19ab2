import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { tempDir } from '../../../test/support/cli.ts';
import { createBuckets, type MotoServices, startMoto } from '../../../test/support/moto.ts';
import { classifyError, TransientError } from '../../domain/errors.ts';
import { motoClientConfig } from '../emulator/emulated-stack.ts';
import { ObjectNotFoundError, UnsafeObjectKeyError } from './s3-errors.ts';
import { S3ObjectStore } from './s3-object-store.ts';

const BUCKETS = { input: 'claims-input', output: 'claims-output' };
const MiB = 1024 ** 2;
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Counts the commands a client sends, by name. */
function countCommands(client: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = context.commandName ?? 'unknown';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize' },
  );
  return counts;
}

describe('S3ObjectStore against S3 (moto on loopback)', () => {
  let moto: MotoServices;
  let client: S3Client;
  let commands: Map<string, number>;
  let store: S3ObjectStore;
  let scratchRoot: string;
  let files: string;

  const bucketHolding = async (key: string): Promise<string[]> => {
    const found: string[] = [];
    for (const Bucket of [BUCKETS.input, BUCKETS.output]) {
      try {
        await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        found.push(Bucket);
      } catch {
        // not in this bucket
      }
    }
    return found;
  };

  before(async () => {
    moto = await startMoto();
    await createBuckets(moto.s3, [BUCKETS.input, BUCKETS.output]);
    client = moto.s3;
    commands = countCommands(client);
    scratchRoot = await tempDir('s3-scratch');
    files = await tempDir('s3-files');
    store = new S3ObjectStore(client, BUCKETS, scratchRoot, { partSize: 5 * MiB, pageSize: 7 });
  });

  after(async () => {
    await moto?.stop();
    await rm(scratchRoot, { recursive: true, force: true });
    await rm(files, { recursive: true, force: true });
  });

  it('keeps raw/ keys in the input bucket and every other key in the output bucket', async () => {
    await store.writeText('raw/claims/a.csv', 'claim_id\n1\n');
    await store.writeText('validation-reports/job-1.json', '{"ok":true}\n');
    assert.deepEqual(await bucketHolding('raw/claims/a.csv'), [BUCKETS.input]);
    assert.deepEqual(await bucketHolding('validation-reports/job-1.json'), [BUCKETS.output]);
    assert.equal(await store.readText('raw/claims/a.csv'), 'claim_id\n1\n');
    const head = await client.send(
      new HeadObjectCommand({ Bucket: BUCKETS.output, Key: 'validation-reports/job-1.json' }),
    );
    assert.equal(head.ContentType, 'application/json');
    assert.equal(store.locate('raw/claims/a.csv'), 's3://claims-input/raw/claims/a.csv');
    assert.equal(store.locate('archive/2026-01-31/job-1/a.csv'), 's3://claims-output/archive/2026-01-31/job-1/a.csv');
  });

  it('copies a file bigger than a part in with a multipart upload, returning its SHA-256 and leaving it in place', async () => {
    const bytes = randomBytes(11 * MiB);
    const source = join(files, 'big.csv');
    await writeFile(source, bytes);
    const before = new Map(commands);
    const delta = (name: string) => (commands.get(name) ?? 0) - (before.get(name) ?? 0);

    assert.equal(await store.copyIn(source, 'archive/2026-01-31/job-2/big.csv'), sha256(bytes));

    assert.equal(delta('CreateMultipartUploadCommand'), 1);
    assert.equal(delta('UploadPartCommand'), 3, '11 MiB in 5 MiB parts');
    assert.equal(delta('CompleteMultipartUploadCommand'), 1);
    assert.equal(delta('PutObjectCommand'), 0);
    assert.deepEqual(await readFile(source), bytes, 'the original is untouched');
    assert.equal(await store.size('archive/2026-01-31/job-2/big.csv'), 11 * MiB);
    assert.equal(await store.hash('archive/2026-01-31/job-2/big.csv'), sha256(bytes), 'hash streams the object');
  });

  it('uploads a file up to one part with a single PUT', async () => {
    const source = join(files, 'small.csv');
    await writeFile(source, 'claim_id\n7\n');
    const puts = commands.get('PutObjectCommand') ?? 0;
    const parts = commands.get('UploadPartCommand') ?? 0;
    assert.equal(await store.copyIn(source, 'quarantine/files/job-3/small.csv'), sha256(Buffer.from('claim_id\n7\n')));
    assert.equal((commands.get('PutObjectCommand') ?? 0) - puts, 1);
    assert.equal((commands.get('UploadPartCommand') ?? 0) - parts, 0);
  });

  it('reads the head of an object by a ranged GET, decompressed when it is gzip', async () => {
    const gets = commands.get('GetObjectCommand') ?? 0;
    const head = await store.readHead('archive/2026-01-31/job-2/big.csv', 64 * 1024);
    assert.equal(head.gzip, false);
    assert.deepEqual(head.bytes, (await readFile(join(files, 'big.csv'))).subarray(0, 64 * 1024));
    const text = 'claim_id,claim_line_number\n'.padEnd(200_000, 'C1,1\n');
    const source = join(files, 'claims.csv.gz');
    await writeFile(source, gzipSync(text));
    await store.copyIn(source, 'raw/claims/claims.csv.gz');
    const gzipped = await store.readHead('raw/claims/claims.csv.gz', 1000);
    assert.equal(gzipped.gzip, true);
    assert.equal(gzipped.bytes.toString('utf8'), text.slice(0, 1000));
    assert.equal((commands.get('GetObjectCommand') ?? 0) - gets, 2);
    assert.deepEqual(await readdir(scratchRoot), [], 'no scratch left behind');
    await store.delete('raw/claims/claims.csv.gz');
  });

  it('publishes a local file: the object appears whole and the local file is gone', async () => {
    const local = join(await store.scratchDir('job-4'), 'part_0.parquet');
    const bytes = randomBytes(6 * MiB);
    await writeFile(local, bytes);
    await store.publish(local, 'processed/claims/year=2025/month=03/src-0.parquet');
    assert.equal(existsSync(local), false);
    assert.equal(await store.hash('processed/claims/year=2025/month=03/src-0.parquet'), sha256(bytes));
    await store.dropScratch('job-4');
    assert.equal(existsSync(join(scratchRoot, 'job-4')), false);
  });

  it('downloads into the scratch folder under the key, and dropScratch removes it', async () => {
    const path = await store.fetchLocal('raw/claims/a.csv', 'input-job-1');
    assert.equal(path, join(scratchRoot, 'input-job-1', 'raw', 'claims', 'a.csv'));
    assert.equal(await readFile(path, 'utf8'), 'claim_id\n1\n');
    const big = await store.fetchLocal('archive/2026-01-31/job-2/big.csv', 'input-job-1');
    assert.equal(sha256(await readFile(big)), await store.hash('archive/2026-01-31/job-2/big.csv'));
    await store.dropScratch('input-job-1');
    assert.equal(existsSync(path), false);
    assert.equal(existsSync(big), false);
  });

  it('lists a prefix across pages, recursively and sorted, without its siblings', async () => {
    const keys = Array.from({ length: 23 }, (_, i) => `dlq/letters/${String(i).padStart(2, '0')}/letter.json`);
    for (const key of [...keys].reverse()) await store.writeText(key, '{}');
    // A sibling that sorts after the folder (`letters_old`): a listing must page in S3's key order
    // and stop at the prefix, not take the sibling.
    await store.writeText('dlq/letters_old/x.json', '{}');
    const pagesBefore = commands.get('ListObjectsV2Command') ?? 0;
    assert.deepEqual(await store.list('dlq/letters'), keys);
    assert.equal((commands.get('ListObjectsV2Command') ?? 0) - pagesBefore, 4, '23 keys in pages of 7');
    assert.deepEqual(await store.list('dlq/letters/'), keys, 'a trailing slash lists the same');
    assert.deepEqual(await store.list('dlq/nothing-here'), []);
    assert.deepEqual(await store.list('raw/claims'), ['raw/claims/a.csv']);
    const everything = await store.list('');
    assert.ok(everything.includes('raw/claims/a.csv') && everything.includes('dlq/letters_old/x.json'));
    assert.equal(everything.length, 23 + 1 + 5, 'the root spans both buckets');
  });

  it('deletes objects; deleting a missing key succeeds, reading it names the key', async () => {
    await store.delete('dlq/letters_old/x.json');
    await store.delete('dlq/letters_old/x.json');
    assert.deepEqual(await store.list('dlq/letters_old'), []);
    await assert.rejects(store.readText('dlq/letters_old/x.json'), (error: unknown) => {
      assert.ok(error instanceof ObjectNotFoundError);
      assert.equal(error.message, 's3://claims-output/dlq/letters_old/x.json: no such object');
      assert.equal(error.key, 'dlq/letters_old/x.json');
      assert.equal(classifyError(error), 'system', 'not retried');
      return true;
    });
    await assert.rejects(store.size('raw/claims/gone.csv'), ObjectNotFoundError);
    await assert.rejects(store.hash('raw/claims/gone.csv'), ObjectNotFoundError);
  });

  it('handles keys with spaces, + and unicode in every operation', async () => {
    const key = 'raw/claims/acme claims+2025 é ü 東京.csv';
    const text = 'claim_id,amount\nC1,10.00\n';
    await store.writeText(key, text);
    assert.deepEqual(await bucketHolding(key), [BUCKETS.input]);
    assert.ok((await store.list('raw/claims')).includes(key));
    assert.equal(await store.readText(key), text);
    assert.equal(await store.hash(key), sha256(Buffer.from(text)));
    const path = await store.fetchLocal(key, 'odd-names');
    assert.equal(path, join(scratchRoot, 'odd-names', 'raw', 'claims', 'acme claims+2025 é ü 東京.csv'));
    assert.equal(await readFile(path, 'utf8'), text);
    const source = join(files, 'odd name + é.csv');
    await writeFile(source, text);
    await store.copyIn(source, 'archive/2026-01-31/job 5/odd name + é.csv');
    assert.equal(await store.readText('archive/2026-01-31/job 5/odd name + é.csv'), text);
    await store.delete(key);
    assert.equal((await store.list('raw/claims')).includes(key), false);
    await store.dropScratch('odd-names');
  });

  // A '+' in a copied key is checked against the mock below (S3 decodes the copy source).
  it('copies an object server-side, from the input bucket into the output bucket, keys with spaces and unicode', async () => {
    const bytes = randomBytes(3 * MiB);
    const source = join(files, 'copy-source.csv');
    await writeFile(source, bytes);
    await store.copyIn(source, 'raw/claims/big feed é 1.csv');
    const gets = commands.get('GetObjectCommand') ?? 0;
    await store.copy('raw/claims/big feed é 1.csv', 'archive/2026-01-31/job 7/big feed é 1.csv');
    assert.equal(commands.get('GetObjectCommand') ?? 0, gets, 'nothing was downloaded');
    assert.deepEqual(await bucketHolding('archive/2026-01-31/job 7/big feed é 1.csv'), [BUCKETS.output]);
    assert.equal(await store.hash('archive/2026-01-31/job 7/big feed é 1.csv'), sha256(bytes));
    assert.ok((await store.list('raw/claims')).includes('raw/claims/big feed é 1.csv'), 'the source stays');
    await assert.rejects(store.copy('raw/claims/none.csv', 'archive/none.csv'), (error: unknown) => {
      assert.ok(error instanceof ObjectNotFoundError);
      assert.equal(error.key, 'raw/claims/none.csv');
      return true;
    });
  });

  it('refuses to download a key that would leave the scratch folder', async () => {
    await assert.rejects(store.fetchLocal('raw/claims/../../../etc/passwd.csv', 'evil'), UnsafeObjectKeyError);
    await assert.rejects(store.fetchLocal('raw//claims.csv', 'evil'), UnsafeObjectKeyError);
  });

  describe('failures worth retrying surface as TransientError', () => {
    let slowDown: Server;
    let requests = 0;

    before(async () => {
      // What S3 answers when a prefix is throttled.
      slowDown = createServer((_request, response) => {
        requests++;
        response.writeHead(503, { 'content-type': 'application/xml' });
        response.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
        );
      });
      await new Promise<void>((resolve) => slowDown.listen(0, '127.0.0.1', resolve));
    });

    after(() => {
      slowDown.closeAllConnections();
      slowDown.close();
    });

    const storeAt = (endpoint: string) =>
      new S3ObjectStore(new S3Client({ ...motoClientConfig(endpoint), maxAttempts: 1 }), BUCKETS, scratchRoot, {
        partSize: 5 * MiB,
      });

    it('throttling (503 SlowDown) on reads, writes and uploads', async () => {
      const throttled = storeAt(`http://127.0.0.1:${(slowDown.address() as AddressInfo).port}`);
      const source = join(files, 'throttled.csv');
      await writeFile(source, 'claim_id\n1\n');
      for (const attempt of [
        () => throttled.hash('raw/claims/a.csv'),
        () => throttled.writeText('validation-reports/x.json', '{}'),
        () => throttled.list('processed/claims'),
        () => throttled.copyIn(source, 'archive/x/throttled.csv'),
      ]) {
        await assert.rejects(attempt(), (error: unknown) => {
          assert.ok(error instanceof TransientError, String(error));
          assert.equal(classifyError(error), 'transient');
          assert.match(error.message, /SlowDown/);
          return true;
        });
      }
      assert.ok(requests >= 4, 'each call reached the server');
    });

    it('a refused connection', async () => {
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      await assert.rejects(storeAt(`http://127.0.0.1:${port}`).readText('raw/claims/a.csv'), TransientError);
    });
  });
});

describe('S3ObjectStore.copy above the single-copy limit', () => {
  const client = new S3Client({ region: 'us-east-1' });
  const s3 = mockClient(client);
  const store = new S3ObjectStore(client, BUCKETS, '/nonexistent', {
    maxSingleCopyBytes: 5 * MiB,
    copyPartSize: 5 * MiB,
    copyQueueSize: 2,
  });
  const from = 'raw/claims/huge feed é+1.csv';
  const to = 'quarantine/files/job-1/huge feed é+1.csv';

  it('copies byte ranges with UploadPartCopy and completes the upload with their ETags in order', async () => {
    s3.reset();
    s3.on(HeadObjectCommand).resolves({ ContentLength: 12 * MiB + 1 });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-1' });
    s3.on(UploadPartCopyCommand).callsFake((input: { PartNumber: number }) => ({
      CopyPartResult: { ETag: `"etag-${input.PartNumber}"` },
    }));
    s3.on(CompleteMultipartUploadCommand).resolves({});

    await store.copy(from, to);

    assert.deepEqual(
      s3.commandCalls(HeadObjectCommand).map((c) => c.args[0].input),
      [{ Bucket: BUCKETS.input, Key: from }],
    );
    assert.deepEqual(
      s3.commandCalls(CreateMultipartUploadCommand).map((c) => c.args[0].input),
      [{ Bucket: BUCKETS.output, Key: to, ContentType: undefined }],
    );
    // The key URL-encoded ('+' too, which S3 would otherwise read as a space), its slashes kept.
    const source = `${BUCKETS.input}/raw/claims/huge%20feed%20%C3%A9%2B1.csv`;
    assert.deepEqual(
      s3
        .commandCalls(UploadPartCopyCommand)
        .map((c) => c.args[0].input)
        .sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0)),
      [
        [1, `bytes=0-${5 * MiB - 1}`],
        [2, `bytes=${5 * MiB}-${10 * MiB - 1}`],
        [3, `bytes=${10 * MiB}-${12 * MiB}`],
      ].map(([PartNumber, CopySourceRange]) => ({
        Bucket: BUCKETS.output,
        Key: to,
        UploadId: 'up-1',
        PartNumber,
        CopySource: source,
        CopySourceRange,
      })),
    );
    assert.deepEqual(
      s3.commandCalls(CompleteMultipartUploadCommand).map((c) => c.args[0].input),
      [
        {
          Bucket: BUCKETS.output,
          Key: to,
          UploadId: 'up-1',
          MultipartUpload: {
            Parts: [1, 2, 3].map((n) => ({ PartNumber: n, ETag: `"etag-${n}"` })),
          },
        },
      ],
    );
    assert.equal(s3.commandCalls(CopyObjectCommand).length, 0);
  });

  it('aborts the upload when a part fails, so no parts are left behind', async () => {
    s3.reset();
    s3.on(HeadObjectCommand).resolves({ ContentLength: 6 * MiB });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'up-2' });
    s3.on(UploadPartCopyCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    s3.on(AbortMultipartUploadCommand).resolves({});

    await assert.rejects(store.copy(from, to), TransientError);

    assert.deepEqual(
      s3.commandCalls(AbortMultipartUploadCommand).map((c) => c.args[0].input),
      [{ Bucket: BUCKETS.output, Key: to, UploadId: 'up-2' }],
    );
    assert.equal(s3.commandCalls(CompleteMultipartUploadCommand).length, 0);
  });
});
