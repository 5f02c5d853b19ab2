import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { EnginePlan } from '../../plan/engine-plan.ts';
import type { SparkWorker } from '../spark/spark-worker.ts';

/**
 * What Glue does with a run of the plan job, on this machine: the plan named by `--plan` is read
 * from S3, its S3 locations are moved onto local disk (local Spark reads no S3: the input, the
 * reference lists and companions are downloaded first), glue/run_plan.py runs it on local Spark,
 * and its outputs are uploaded to the S3 locations the plan named (Spark's .crc files and the
 * runner's scratch are its own and stay behind, as on Glue).
 */
export async function runPlanLocally(
  s3: S3Client,
  worker: SparkWorker,
  planLocation: string,
  jobId: string,
  workDir: string,
): Promise<void> {
  const onDisk = (location: string): string => {
    const { bucket, key } = parseS3Url(location);
    return join(workDir, bucket, ...key.split('/'));
  };
  const planText = await readObject(s3, planLocation);
  const written = JSON.parse(planText) as EnginePlan;
  const inputs = [
    written.input.path,
    ...Object.values(written.code_sets),
    ...Object.values(written.companion_files ?? {}).map((file) => file.path),
  ];
  for (const location of inputs) await download(s3, location, onDisk(location));
  const outputs = written.statements.flatMap((s) => (s.output ? [s.output.path] : []));
  const plan: EnginePlan = {
    ...written,
    input: { ...written.input, path: onDisk(written.input.path) },
    code_sets: Object.fromEntries(Object.entries(written.code_sets).map(([view, path]) => [view, onDisk(path)])),
    companion_files: Object.fromEntries(
      Object.entries(written.companion_files ?? {}).map(([view, file]) => [view, { ...file, path: onDisk(file.path) }]),
    ),
    statements: written.statements.map((s) =>
      s.output ? { ...s, output: { ...s.output, path: onDisk(s.output.path) } } : s,
    ),
    scratch: onDisk(written.scratch),
  };
  const planPath = join(workDir, 'plan.json');
  await mkdir(workDir, { recursive: true });
  await writeFile(planPath, JSON.stringify(plan));
  try {
    await worker.run(planPath, jobId);
    for (const location of outputs) await uploadFolder(s3, onDisk(location), location);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

function parseS3Url(location: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(location);
  if (!match?.[1]) throw new Error(`not an S3 location: ${location}`);
  return { bucket: match[1], key: match[2] ?? '' };
}

async function readObject(s3: S3Client, location: string): Promise<string> {
  const { bucket, key } = parseS3Url(location);
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await Body?.transformToString('utf8')) ?? '';
}

async function download(s3: S3Client, location: string, path: string): Promise<void> {
  const { bucket, key } = parseS3Url(location);
  await mkdir(dirname(path), { recursive: true });
  const { Body } = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  await pipeline(Body as Readable, createWriteStream(path));
}

async function uploadFolder(s3: S3Client, dir: string, location: string): Promise<void> {
  const { bucket, key } = parseS3Url(location);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.endsWith('.crc')) continue;
    const path = join(entry.parentPath, entry.name);
    const below = relative(dir, path).split(sep).join('/');
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${key.replace(/\/$/, '')}/${below}`, Body: await readFile(path) }),
    );
  }
}
