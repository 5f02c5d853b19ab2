import { Command, CommanderError } from 'commander';
import { ZodError, type z } from 'zod';
import { ClaimflowError, ConfigError, UsageError } from '../domain/errors.ts';
import { generateCommand } from './generate-command.ts';
import { generateFlagsSchema, queryFlagsSchema, runFlagsSchema } from './options.ts';
import { queryCommand } from './query-command.ts';
import { EXIT, runCommand } from './run-command.ts';

function parseFlags<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  return schema.parse(raw);
}

function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('claimflow')
    .description('Healthcare claim files from landing to analytics: validate, quarantine, dedupe, enrich, publish.')
    .exitOverride()
    .showHelpAfterError();

  const withRunOptions = (command: Command): Command =>
    command
      .argument('<inputs...>', 'claim files (CSV, JSON, NDJSON, optionally .gz), folders or globs')
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
      .option('--verbose', 'JSON-lines log on stderr');

  withRunOptions(program.command('run'))
    .description('Run claim files (paths, folders or globs) through the whole pipeline')
    .action(async (inputs: string[], raw: unknown) =>
      setExit(await runCommand(inputs, parseFlags(runFlagsSchema, raw), 'run')),
    );

  withRunOptions(program.command('validate'))
    .description('Run the checks only and write the validation report; exit 0 when files pass, 2 when one fails')
    .action(async (inputs: string[], raw: unknown) =>
      setExit(await runCommand(inputs, parseFlags(runFlagsSchema, raw), 'validate')),
    );

  program
    .command('generate')
    .description('Write synthetic claim lines with realistic codes and planted defects')
    .requiredOption('--rows <n>', 'number of claim lines')
    .requiredOption('--out <file>', 'output file')
    .option('--seed <s>', 'random seed')
    .option('--defect-rate <r>', 'share of rows with a planted defect or duplicate')
    .option('--format <csv|ndjson|json>', 'output format')
    .option('--month <YYYY-MM>', 'month in which claims start')
    .action(async (raw: unknown) => setExit(await generateCommand(parseFlags(generateFlagsSchema, raw))));

  program
    .command('query')
    .description(
      'Run SQL against the warehouse (views: medical_claim, quarantine_rows, monthly_by_payer_claim_type, monthly_by_rendering_provider, validation_reports)',
    )
    .argument('<sql>', 'the query')
    .option('--root <dir>', 'output root')
    .option('--format <table|json|csv>', 'output format')
    .action(async (sql: string, raw: unknown) => setExit(await queryCommand(sql, parseFlags(queryFlagsSchema, raw))));

  return program;
}

/** The one place errors become exit codes. */
export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
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
        `claimflow: invalid option: ${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}\n`,
      );
      return EXIT.usage;
    }
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`claimflow: ${error.message}\n`);
      return EXIT.usage;
    }
    const message =
      error instanceof ClaimflowError || error instanceof Error ? error.message.split('\n')[0] : String(error);
    process.stderr.write(`claimflow: system error: ${message}\n`);
    return EXIT.system;
  }
}
