import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { environmentNameSchema } from '../../infra/environment-name.ts';
import { settingsFileSchema } from '../../infra/function-settings.ts';
import { PREFIXES } from '../domain/store-layout.ts';
import { infraFlagsSchema } from './infra-command.ts';
import { loadSettingsFile } from './load-config.ts';
import { EXIT } from './run-command.ts';

/** Flags of `claimflow infra emulate`, parsed once at the edge. */
export const emulateFlagsSchema = z.object({
  environment: environmentNameSchema.default('dev'),
  /** Where the published outputs are downloaded, laid out like a claimflow root. */
  out: z.string().min(1).optional(),
  /** Reference lists (laid out like shared/refdata), uploaded under the output bucket's refdata/. */
  refdata: z.string().min(1).optional(),
  /** The cloud assembly (default: synthesized now into cdk.out/<environment>). */
  assembly: z.string().min(1).optional(),
  /** Overrides the functions' DUCKDB_MAX_BYTES: files above it go to Glue (local Spark). */
  duckdbMaxBytes: z.coerce.number().int().positive().optional(),
  /** Seconds to wait for the stack to finish the files. */
  timeout: z.coerce.number().int().positive().default(3600),
  /** The emulator's work folder (function task folders, /tmp of each invocation, Glue runs). */
  workDir: z.string().min(1).default(join('.claimflow-emulator')),
  /** Memory, timeout and concurrency per function, as `infra deploy --settings-file` takes them (synth only). */
  settingsFile: infraFlagsSchema.shape.settingsFile,
  /** The alert topic's subscriptions, as `infra deploy` sets them (moto keeps them and records the topic's publishes). */
  alertEmail: infraFlagsSchema.shape.alertEmail,
  alertSms: infraFlagsSchema.shape.alertSms,
});
export type EmulateFlags = z.infer<typeof emulateFlagsSchema>;

/**
 * `claimflow infra emulate [files...]`: synthesizes the environment's stack (offline), runs it on
 * the AWS emulator (moto on loopback, the functions' bundles in their own processes, Glue on local
 * Spark), puts each file under raw/claims/ of the input bucket, waits until the stack has finished
 * them, prints every function invocation (attempt, outcome, peak memory against the function's)
 * and downloads the published outputs with --out. Exit 0 when every invocation ended well at last,
 * 3 when an event went to a dead-letter queue.
 */
export async function emulateCommand(files: readonly string[], flags: EmulateFlags): Promise<number> {
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const [{ buildApp, stackNameOf }, { EmulatedStack }] = await Promise.all([
    import('../../infra/bin/claimflow.ts'),
    import('../adapters/emulator/emulated-stack.ts'),
  ]);
  const stackName = stackNameOf(flags.environment);
  const assembly = resolve(flags.assembly ?? join('cdk.out', flags.environment));
  if (!flags.assembly) {
    const settingsFile = flags.settingsFile
      ? await loadSettingsFile(flags.settingsFile, settingsFileSchema)
      : undefined;
    buildApp({ environment: flags.environment, outdir: assembly, settingsFile }).app.synth();
  }
  // What Lambda would send to CloudWatch Logs: one file per function.
  const logDir = join(resolve(flags.workDir), 'logs');
  await mkdir(logDir, { recursive: true });
  const logs = new Map<string, WriteStream>();
  const stack = await EmulatedStack.start({
    cdkOut: assembly,
    stackName,
    workDir: resolve(flags.workDir),
    parameters: {
      ...(flags.alertEmail && { AlertEmail: flags.alertEmail }),
      ...(flags.alertSms && { AlertSmsNumber: flags.alertSms }),
    },
    environmentOverrides: flags.duckdbMaxBytes ? { DUCKDB_MAX_BYTES: String(flags.duckdbMaxBytes) } : {},
    hooks: {
      log: (fn, line) => {
        if (!logs.has(fn.name)) logs.set(fn.name, createWriteStream(join(logDir, `${fn.name}.log`), { flags: 'a' }));
        logs.get(fn.name)?.write(`${line}\n`);
      },
    },
  });
  // Interrupted: the stack is stopped (moto and the Spark worker end with this process anyway).
  const interrupt = () => void stack.stop().finally(() => process.exit(EXIT.system));
  process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
  try {
    say(`function logs in ${logDir}`);
    say(`emulating ${stackName} on moto at ${stack.moto.endpoint}`);
    const input = stack.output('InputBucketName');
    const output = stack.output('OutputBucketName');
    if (flags.refdata) {
      const root = resolve(flags.refdata);
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      for (const entry of entries.filter((e) => e.isFile())) {
        const path = join(entry.parentPath, entry.name);
        const key = `${PREFIXES.refdata}${relative(root, path).split(sep).join('/')}`;
        await stack.s3.send(new PutObjectCommand({ Bucket: output, Key: key, Body: await readFile(path) }));
      }
    }
    for (const file of files) {
      const key = `${PREFIXES.inbox}${basename(file)}`;
      await stack.s3.send(new PutObjectCommand({ Bucket: input, Key: key, Body: await readFile(file) }));
      say(`put s3://${input}/${key}`);
    }
    await stack.settle(flags.timeout * 1000);
    let failed = false;
    for (const r of stack.invocations) {
      const fn = stack.stack.functions.get(r.function);
      const verdict = r.outcome.ok ? 'ok' : `${r.outcome.errorType}: ${r.outcome.errorMessage.split('\n')[0]}`;
      say(
        `${fn?.name ?? r.function}\tattempt ${r.attempt}\t${r.outcome.seconds.toFixed(1)} s\t` +
          `peak ${r.outcome.peakRssMb} of ${fn?.memoryMb} MB\t${verdict}`,
      );
      const last = r.attempt === (fn?.retryAttempts ?? 0) + 1;
      if (!r.outcome.ok && last) failed = true;
    }
    for (const run of stack.glueRuns) say(`glue ${run.Id}\t${run.JobRunState}\t${run.ExecutionTime ?? 0} s`);
    if (flags.out) {
      const keys = await stack.downloadOutputs(resolve(flags.out));
      say(`downloaded ${keys.length} published objects to ${resolve(flags.out)}`);
    }
    return failed ? EXIT.system : EXIT.ok;
  } finally {
    process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
    await stack.stop();
    for (const stream of logs.values()) stream.end();
  }
}
