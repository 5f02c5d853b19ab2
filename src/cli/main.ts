import { Command, CommanderError } from 'commander';
import { ZodError, type z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { ConfigError, RootLockedError, RootNotWritableError, UsageError } from '../domain/errors.ts';
import { describeError } from '../domain/redact.ts';
import { auditFlagsSchema, auditVerifyCommand } from './audit-command.ts';
import { dashboardCommand, dashboardFlagsSchema } from './dashboard-command.ts';
import { decryptCommand, decryptFlagsSchema } from './decrypt-command.ts';
import { emulateCommand, emulateFlagsSchema } from './emulate-command.ts';
import { eventsCommand } from './events-command.ts';
import { generateCommand } from './generate-command.ts';
import { addExamples, flagName, pointUsageErrorsAtHelp, showSchemaDefaults } from './help.ts';
import { infraCommand, infraFlagsSchema } from './infra-command.ts';
import {
  eventsFlagsSchema,
  generateFlagsSchema,
  queryFlagsSchema,
  runFlagsSchema,
  runtimeFlagsSchema,
} from './options.ts';
import { planCommand, planFlagsSchema } from './plan-command.ts';
import { queryCommand } from './query-command.ts';
import { EXIT, runCommand } from './run-command.ts';
import { dlqCommand, watchCommand } from './runtime-command.ts';

function parseFlags<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  return schema.parse(raw);
}

/** `dlq list|replay --aws`; the AWS SDK is loaded only then, so other commands do not pay for it. */
async function awsDlq(action: 'list' | 'replay', id: string | undefined, raw: unknown): Promise<number> {
  const { awsDlqCommand, awsDlqFlagsSchema } = await import('./aws-dlq-command.ts');
  return awsDlqCommand(action, id, parseFlags(awsDlqFlagsSchema, raw));
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('claimflow')
    .description('Healthcare claim files from landing to analytics: validate, quarantine, dedupe, enrich, publish.')
    .version(packageJson.version, '--version', 'print the version')
    .exitOverride();

  const withPipelineOptions = (command: Command): Command =>
    command
      .option('--root <dir>', 'output root (the bucket layout)')
      .option('--json', 'print a machine-readable summary')
      .option('--config <file>', 'YAML or JSON config: rule actions, severities, thresholds, sources')
      .option('--refdata <dir>', 'reference code lists (laid out like shared/refdata)')
      .option('--source <name>', 'the config source the files belong to (default: matched by file name)')
      .option('--data-source <name>', 'data_source for rows that carry none')
      .option('--error-threshold <share>', 'quarantined share of a file above which the whole file is rejected')
      .option('--run-date <YYYY-MM-DD>', 'dates after this are out of range (default: today)')
      .option('--memory-limit <size>', 'DuckDB memory limit, e.g. 2GB')
      .option('--threads <n>', 'DuckDB threads')
      .option(
        '--profile <name|file>',
        'source profile: standard, tuva, cms-synpuf, synthea, x12-837, fhir-eob, or a YAML/JSON profile file (default: detected per file)',
      )
      .option(
        '--master-key-file <file>',
        'key that encrypts quarantine, archive and dead letters at rest (default: CLAIMFLOW_MASTER_KEY, then security.master_key_file)',
      )
      .option(
        '--pseudonym-key-file <file>',
        'HMAC key of the medical_claim_pseudonymized mart (default: CLAIMFLOW_PSEUDONYM_KEY, then security.pseudonym_key_file)',
      )
      .option('--fail-on <fail|warn>', 'warn: a file with quarantined rows or warnings also fails the step (exit 2)')
      .option(
        '--max-quarantine-rate <share>',
        'exit 2 when a file quarantines more than this share of its rows (0 to 1; its rows are still published)',
      )
      .option('--min-score <score>', 'exit 2 when a file scores under this quality (0 to 100)')
      .option('--verbose', 'JSON-lines log on stderr')
      .option(
        '--wait-lock <seconds>',
        'when another command is writing the root, wait up to this long for it to finish (0: refuse at once)',
      );
  const withRunOptions = (command: Command): Command =>
    withPipelineOptions(
      command.argument('<inputs...>', 'claim files (CSV, JSON, NDJSON, optionally .gz), folders or globs'),
    )
      .option(
        '--progress-every <seconds>',
        'seconds between progress lines on stderr when it is not a terminal (JSON lines with --json)',
      )
      .option('--engine <duckdb|spark>', 'the engine that runs the plan (spark: see docs/spark-plan.md)')
      .option('--spark-master <url>', '--engine spark: the Spark master (default local[*])')
      .option(
        '--spark-conf <key=value>',
        '--engine spark: a Spark setting (repeatable)',
        (value: string, previous: string[] = []) => [...previous, value],
      );
  const withRuntimeOptions = (command: Command): Command =>
    withPipelineOptions(command)
      .option('--concurrency <n>', 'files processed at once')
      .option('--max-attempts <n>', 'attempts for transient failures before the dead-letter queue')
      .option('--retry-base-ms <ms>', 'first retry delay; doubles each attempt, with jitter');
  const runtimeFlags = (raw: unknown) => ({
    ...parseFlags(runFlagsSchema, raw),
    ...parseFlags(runtimeFlagsSchema, raw),
  });

  const watch = withRuntimeOptions(program.command('watch'))
    .description('Watch <root>/raw/claims/ and process each complete new file as an event-driven job')
    .option('--poll-ms <ms>', 'how often the inbox is scanned')
    .option('--settle-ms <ms>', 'how long a file must stay unchanged before it is picked up')
    .option('--once', 'process what is in the inbox, then exit')
    .action(async (raw: unknown) => setExit(await watchCommand(runtimeFlags(raw))));
  addExamples(showSchemaDefaults(watch, runFlagsSchema, runtimeFlagsSchema), [
    'claimflow watch --root /data/claimflow --refdata /data/refdata --concurrency 2',
    'claimflow watch --root /data/claimflow --once --json   # cron: process the inbox, exit 2 if a file was rejected',
  ]);

  const events = program
    .command('events')
    .description('Print job status, validation and error events (JSON lines)')
    .option('--root <dir>', 'output root')
    .option('--follow', 'keep printing new events')
    .option('--job <id>', 'only events of this job')
    .action(async (raw: unknown) => setExit(await eventsCommand(parseFlags(eventsFlagsSchema, raw))));
  showSchemaDefaults(events, eventsFlagsSchema);

  const dlq = program.command('dlq').description('The dead-letter queue: messages that failed for good');
  // Listing reads the queue only: no pipeline or runtime flag applies.
  const dlqList = dlq
    .command('list')
    .description('List dead letters with their error history')
    .option('--root <dir>', 'output root')
    .option('--json', 'print the dead letters as JSON')
    .option('--config <file>', 'config whose security.master_key_file decrypts the letters')
    .option('--master-key-file <file>', 'the master key (default: CLAIMFLOW_MASTER_KEY, then the config)')
    .option('--aws', "the stack's manual-review queue on SQS instead of the root's dlq/")
    .option('--queue-url <url>', 'with --aws: the queue (stack output ManualReviewQueueUrl)')
    .option('--region <region>', 'with --aws: the region (default: the SDK default chain)')
    .action(async (raw: { aws?: boolean }) =>
      setExit(
        raw.aws
          ? await awsDlq('list', undefined, raw)
          : await dlqCommand('list', undefined, { ...runtimeFlags(raw), all: true }),
      ),
    );
  showSchemaDefaults(dlqList, runFlagsSchema);
  const dlqReplay = withRuntimeOptions(dlq.command('replay'))
    .description('Send dead letters through their handler again')
    .argument('[id]', 'the dead letter to replay')
    .option('--all', 'replay every dead letter')
    .option('--aws', "replay from the stack's manual-review queue: publish each task for its function")
    .option('--queue-url <url>', 'with --aws: the queue (stack output ManualReviewQueueUrl)')
    .option('--topic-arn <arn>', 'with --aws: the processing topic (stack output ProcessingTopicArn)')
    .option('--region <region>', 'with --aws: the region (default: the SDK default chain)')
    .action(async (id: string | undefined, raw: { all?: boolean; aws?: boolean }) =>
      setExit(
        raw.aws
          ? await awsDlq('replay', id, raw)
          : await dlqCommand('replay', id, { ...runtimeFlags(raw), all: raw.all === true }),
      ),
    );
  showSchemaDefaults(dlqReplay, runFlagsSchema, runtimeFlagsSchema);

  const run = withRunOptions(program.command('run'))
    .description('Run claim files (paths, folders or globs) through the whole pipeline')
    .action(async (inputs: string[], raw: unknown) =>
      setExit(await runCommand(inputs, parseFlags(runFlagsSchema, raw), 'run')),
    );
  addExamples(showSchemaDefaults(run, runFlagsSchema), [
    'claimflow run claims.csv other.ndjson --root ./claimflow-data',
    "claimflow run 'inbox/**/*.csv.gz' --json",
    'claimflow run claims.csv --refdata ../shared/refdata --config claimflow.yaml',
    'claimflow run inbox/ --fail-on warn --max-quarantine-rate 0.01 --min-score 90   # CI gates: exit 2 when one fails',
  ]);

  const validate = withRunOptions(program.command('validate'))
    .description('Run the checks only and write the validation report; exit 0 when files pass, 2 when one fails')
    .action(async (inputs: string[], raw: unknown) =>
      setExit(await runCommand(inputs, parseFlags(runFlagsSchema, raw), 'validate')),
    );
  addExamples(showSchemaDefaults(validate, runFlagsSchema), [
    'claimflow validate claims.csv --root /tmp/check',
    'claimflow validate inbox/ --refdata ../shared/refdata --config claimflow.yaml --json',
  ]);

  const generate = program
    .command('generate')
    .description('Write synthetic claim lines with realistic codes and planted defects')
    .requiredOption('--rows <n>', 'number of claim lines')
    .requiredOption('--out <file>', 'output file')
    .option('--seed <s>', 'random seed')
    .option('--defect-rate <r>', 'share of rows with a planted defect or duplicate')
    .option('--format <csv|ndjson|json>', 'output format')
    .option('--month <YYYY-MM>', 'month in which claims start (with --spread, the latest)')
    .option('--spread <one-month|lag|N-months>', 'service months: one, claims lag over 18, or N evenly')
    .action(async (raw: unknown) => setExit(await generateCommand(parseFlags(generateFlagsSchema, raw))));
  addExamples(showSchemaDefaults(generate, generateFlagsSchema), [
    'claimflow generate --rows 100000 --out claims.csv --defect-rate 0.02',
    'claimflow generate --rows 1000000 --out backfill.csv --month 2025-10 --spread 60-months',
  ]);

  const infra = program.command('infra').description('AWS CDK app: synth, validate (cdk-nag), diff, deploy');
  for (const action of ['synth', 'validate', 'diff', 'deploy'] as const) {
    infra
      .command(action)
      .requiredOption('--environment <env>', 'dev, staging or prod')
      .option('--region <region>', 'AWS region (default: the stack is region-agnostic)')
      .option('--out <dir>', 'cloud assembly folder (default cdk.out/<env>)')
      .option('--assets-bucket <name>', 'bucket of the CDK assets')
      .option('--alert-email <address>', 'e-mail subscribed to the error topic')
      .option('--alert-sms <+number>', 'phone subscribed to critical alerts')
      .option('--redshift', 'add the Redshift Serverless workgroup and its load role')
      .option('--reserved-concurrency <n>', 'reserve this many executions for each function (default: none)')
      .option('--duckdb-max-bytes <n>', 'files above this many bytes go to Glue instead of the etl function')
      .option('--monthly-budget-usd <n>', 'monthly budget of estimated job cost; a day over 1/30 of it alarms')
      .option('--function-memory <fn=mb...>', "a function's memory in MB, e.g. etl=3008 (default: the environment's)")
      .option(
        '--function-timeout <fn=s...>',
        "a function's timeout in seconds, e.g. etl=600 (default: the environment's)",
      )
      .option('--function-concurrency <fn=n...>', "a function's reserved concurrency, e.g. etl=20 (default: none)")
      .option(
        '--settings-file <file>',
        'YAML or JSON: memory_mb, timeout_s, reserved_concurrency per environment and function (flags win)',
      )
      .action(async (raw: unknown) => setExit(await infraCommand(action, parseFlags(infraFlagsSchema, raw))));
  }

  infra
    .command('emulate')
    .description(
      'Run the synthesized stack on this machine: moto on loopback, the functions in their own processes, Glue on local Spark',
    )
    .argument('[files...]', 'claim files to put under raw/claims/ of the input bucket')
    .option('--environment <env>', 'dev, staging or prod (default dev)')
    .option('--out <dir>', "download the output bucket's published outputs here, laid out like a claimflow root")
    .option('--refdata <dir>', 'reference lists (laid out like shared/refdata) for the refdata/ prefix')
    .option('--assembly <dir>', 'an already synthesized cloud assembly (default: synth into cdk.out/<env>)')
    .option('--duckdb-max-bytes <n>', "override the functions' DUCKDB_MAX_BYTES (larger files go to Glue)")
    .option('--timeout <seconds>', 'how long to wait for the stack to finish the files (default 3600)')
    .option('--work-dir <dir>', "the emulator's own files (default .claimflow-emulator)")
    .option('--settings-file <file>', 'memory, timeout and concurrency per function, as infra deploy takes them')
    .option('--alert-email <address>', 'subscribe this address to the alert topic, as deploy does')
    .option('--alert-sms <+number>', 'subscribe this number to critical and high alerts, as deploy does')
    .action(async (files: string[], raw: unknown) =>
      setExit(await emulateCommand(files, parseFlags(emulateFlagsSchema, raw))),
    );

  program
    .command('plan')
    .description('Print the staged plan of a file as JSON: the statements DuckDB runs, or Glue runs in Spark SQL')
    .argument('<file>', 'a claim file (its head decides format and columns)')
    .option('--dialect <spark|duckdb>', 'SQL dialect of the statements')
    .option('--config <file>', 'YAML or JSON config: rule actions, severities, thresholds, sources')
    .option('--refdata <dir>', 'reference code lists (laid out like shared/refdata)')
    .option('--run-date <YYYY-MM-DD>', 'dates after this are out of range (default: today)')
    .action(async (file: string, raw: unknown) => setExit(await planCommand(file, parseFlags(planFlagsSchema, raw))));

  program
    .command('dashboard')
    .description('Serve the live dashboard, /metrics (Prometheus) and the JSON API of a root')
    .option('--root <dir>', 'output root')
    .option('--host <addr>', 'address to bind (default 127.0.0.1; any other needs a token)')
    .option('--port <n>', 'port (0: any free port)')
    .option('--token <token>', 'bearer token every request must carry (default: CLAIMFLOW_DASHBOARD_TOKEN)')
    .option('--config <file>', 'YAML or JSON config whose alerts section routes security events (default: the log)')
    .action(async (raw: unknown) => setExit(await dashboardCommand(parseFlags(dashboardFlagsSchema, raw))));

  const query = program
    .command('query')
    .description(
      'Run SQL against the warehouse (views: medical_claim, quarantine_rows, monthly_by_payer_claim_type, monthly_by_rendering_provider, validation_reports, events, alerts)',
    )
    .argument('<sql>', 'the query')
    .option('--root <dir>', 'output root')
    .option('--format <table|json|csv>', 'output format (csv and json print every row and column)')
    .option('--max-rows <n>', 'table: rows shown, the first and last half (0: all)')
    .option('--max-width <n>', "table: characters per line (0: all columns; default: the terminal's width)")
    .action(async (sql: string, raw: unknown) => setExit(await queryCommand(sql, parseFlags(queryFlagsSchema, raw))));
  addExamples(showSchemaDefaults(query, queryFlagsSchema), [
    'claimflow query "SELECT claim_type, COUNT(*) FROM medical_claim GROUP BY ALL"',
    'claimflow query "SELECT * FROM quarantine_rows" --format csv > quarantine.csv',
  ]);

  program
    .command('decrypt')
    .description('Decrypt one encrypted quarantine or archive file for review (recorded in the audit log)')
    .argument('<file>', 'a .enc file under quarantine/ or archive/')
    .option('--out <file>', 'where the plaintext goes (default: the name without .enc, in the current folder)')
    .option('--root <dir>', 'root whose audit log records the decrypt (default: the root the file lies in)')
    .option('--config <file>', 'config whose security.master_key_file holds the key')
    .option('--master-key-file <file>', 'the master key (default: CLAIMFLOW_MASTER_KEY, then the config)')
    .action(async (file: string, raw: unknown) =>
      setExit(await decryptCommand(file, parseFlags(decryptFlagsSchema, raw))),
    );

  const audit = program.command('audit').description('The hash-chained log of every read and write of claim data');
  audit
    .command('verify')
    .description('Check the audit log; print each edited, removed, reordered or cut-off entry; exit 0 intact, 2 not')
    .option('--root <dir>', 'output root')
    .action(async (raw: unknown) => setExit(await auditVerifyCommand(parseFlags(auditFlagsSchema, raw))));

  pointUsageErrorsAtHelp(program);
  return program;
}

/** `claimflow plan x.csv | head`: the reader has gone, so the rest of the output has nowhere to go. */
let brokenPipeIgnored = false;
function ignoreBrokenPipe(): void {
  if (brokenPipeIgnored) return;
  brokenPipeIgnored = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

/** The one place errors become exit codes. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  ignoreBrokenPipe();
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    if (error instanceof ZodError) {
      process.stderr.write(
        `claimflow: invalid option: ${error.issues.map((i) => `${flagName(i.path[0] ?? '')}: ${i.message}`).join('; ')}\n`,
      );
      return EXIT.usage;
    }
    // Both name the root as the user gave it (a path is not claim data), so neither is sanitised.
    if (error instanceof RootLockedError) {
      process.stderr.write(`claimflow: ${error.message}\n`);
      return EXIT.rootLocked;
    }
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof RootNotWritableError) {
      process.stderr.write(`claimflow: ${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`claimflow: system error: ${describeError(error)}\n`);
    return EXIT.system;
  }
}
