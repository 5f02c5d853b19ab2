import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ObjectStore } from '../../src/adapters/aws/s3-object-store.ts';
import { s3X12Converter } from '../../src/adapters/aws/s3-record-converters.ts';
import { motoClientConfig } from '../../src/adapters/emulator/emulated-stack.ts';
import { convertX12 } from '../../src/adapters/x12/convert-x12.ts';
import { S3_BUCKETS } from './x12-memory.ts';

// Run in a child process so that its peak RSS is the conversion's alone: INPUT OUTPUT (files), or
// --s3 ENDPOINT INPUT_KEY OUTPUT_KEY (objects in moto's S3, converted as etl converts for Glue).
const args = process.argv.slice(2);
const started = performance.now();
const result =
  args[0] === '--s3'
    ? await s3X12Converter(
        new S3ObjectStore(
          new S3Client(motoClientConfig(args[1] ?? '')),
          S3_BUCKETS,
          join(tmpdir(), 'claimflow-x12-s3-scratch'),
        ),
      )(args[2] ?? '', args[3] ?? '', 'medical_claim')
    : await convertX12(args[0] ?? '', args[1] ?? '');
process.stdout.write(
  JSON.stringify({
    claims: result.claims,
    lines: result.lines,
    errors: result.errors.length,
    seconds: (performance.now() - started) / 1000,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);
