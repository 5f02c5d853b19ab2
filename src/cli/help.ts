import type { Command } from 'commander';
import { z } from 'zod';

/** A camelCase option attribute as the user typed it: `errorThreshold` -> `--error-threshold`. */
export function flagName(attribute: PropertyKey): string {
  return `--${String(attribute).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Appends `(default: X)` to each option's help from the schema that parses it, so the defaults
 * shown are the ones applied (they live in the schema only). `false` and `[]` are not shown.
 */
export function showSchemaDefaults(command: Command, ...schemas: ReadonlyArray<z.ZodObject>): Command {
  for (const option of command.options) {
    const key = option.attributeName();
    for (const schema of schemas) {
      const field = schema.shape[key] as z.ZodType | undefined;
      // A transformed option shows its default as typed (`one-month`), not what it becomes.
      const parsed = (field instanceof z.ZodPipe ? (field.in as z.ZodType) : field)?.safeParse(undefined);
      if (!parsed?.success || parsed.data === undefined || parsed.data === false) continue;
      if (Array.isArray(parsed.data) && parsed.data.length === 0) continue;
      option.description = `${option.description} (default: ${String(parsed.data)})`;
      break;
    }
  }
  return command;
}

/** An `Examples:` section after the options. */
export function addExamples(command: Command, examples: readonly string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}\n`);
}

/** Every command below `program`, so a setting can be applied to each after they are all declared. */
function eachCommand(command: Command, visit: (c: Command) => void): void {
  visit(command);
  for (const sub of command.commands) eachCommand(sub, visit);
}

/** A usage error prints its message and where help is, not the whole help (which hides the message). */
export function pointUsageErrorsAtHelp(program: Command): void {
  eachCommand(program, (command) => {
    const path: string[] = [];
    for (let c: Command | null = command; c; c = c.parent) path.unshift(c.name());
    command.showHelpAfterError(`(see '${path.join(' ')} --help')`);
  });
}
