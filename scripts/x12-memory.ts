import { measureX12Memory } from '../test/support/x12-memory.ts';

// Usage: tsx scripts/x12-memory.ts [size in MiB, default 1024] [--s3]
// Generates an 837P of that size, converts it in a child process and prints counts, time and peak RSS;
// with --s3, from an object in s3rver to another object, as etl converts a file for Glue.
const s3 = process.argv.includes('--s3');
const mib = Number(process.argv.filter((a) => a !== '--s3')[2] ?? 1024);
if (!Number.isFinite(mib) || mib <= 0) {
  process.stderr.write('usage: tsx scripts/x12-memory.ts [size in MiB]\n');
  process.exit(1);
}
const run = await measureX12Memory(mib * 1024 * 1024, { s3 });
process.stdout.write(
  `${JSON.stringify(
    {
      file_mib: Math.round(run.generated.bytes / 2 ** 20),
      claims: { written: run.generated.claims, converted: run.claims },
      lines: { written: run.generated.lines, converted: run.lines },
      errors: run.errors,
      generate_seconds: Math.round(run.generateSeconds),
      convert_seconds: Math.round(run.convertSeconds),
      peak_rss_mib: Math.round(run.maxRssBytes / 2 ** 20),
    },
    null,
    2,
  )}\n`,
);
