import { ClaimflowError } from '../../domain/errors.ts';

/** The template holds something the emulator cannot resolve or create. */
export class StackTemplateError extends ClaimflowError {
  readonly code = 'stack_template';
}

/** What `Ref` and `Fn::GetAtt` give for each logical id, once the emulator has created it. */
export interface PhysicalValues {
  readonly refs: ReadonlyMap<string, string>;
  /** `<logicalId>.<attribute>` -> value. */
  readonly attributes: ReadonlyMap<string, string>;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Resolves CloudFormation's intrinsic functions in a template value (Ref, Fn::GetAtt, Fn::Join,
 * Fn::Sub, Fn::Select) against the physical values of the emulated resources; anything else is
 * refused by name rather than passed on unresolved.
 */
export function resolveIntrinsics(value: unknown, physical: PhysicalValues): Json {
  const ref = (name: string): string => {
    const found = physical.refs.get(name);
    if (found === undefined) throw new StackTemplateError(`the emulator has no value for Ref ${name}`);
    return found;
  };
  const attribute = (logicalId: string, name: string): string => {
    const found = physical.attributes.get(`${logicalId}.${name}`);
    if (found === undefined) throw new StackTemplateError(`the emulator has no value for ${logicalId}.${name}`);
    return found;
  };
  const text = (v: unknown): string => {
    const resolved = resolveIntrinsics(v, physical);
    if (typeof resolved !== 'string' && typeof resolved !== 'number') {
      throw new StackTemplateError(`expected text, found ${JSON.stringify(resolved)}`);
    }
    return String(resolved);
  };
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, physical));
  if (value === null || typeof value !== 'object') return value as Json;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    const [fn, arg] = first;
    switch (fn) {
      case 'Ref':
        return ref(String(arg));
      case 'Fn::GetAtt': {
        const [logicalId, name] = Array.isArray(arg) ? arg : String(arg).split('.');
        return attribute(String(logicalId), String(name));
      }
      case 'Fn::Join': {
        const [separator, parts] = arg as [string, unknown[]];
        return parts.map(text).join(separator);
      }
      case 'Fn::Sub': {
        const [template, variables = {}] = Array.isArray(arg) ? arg : [arg];
        return String(template).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          const local = (variables as Record<string, unknown>)[name];
          if (local !== undefined) return text(local);
          const [logicalId, attr] = name.split('.');
          return attr ? attribute(String(logicalId), attr) : ref(name);
        });
      }
      case 'Fn::Select': {
        const [index, list] = arg as [number, unknown];
        const items = resolveIntrinsics(list, physical);
        if (!Array.isArray(items)) throw new StackTemplateError('Fn::Select of something not a list');
        return items[Number(index)] ?? null;
      }
      default:
        throw new StackTemplateError(`the emulator does not resolve ${fn}`);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveIntrinsics(v, physical)]));
}

/** Evaluates a template condition (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition) with the parameters' defaults. */
export function evaluateCondition(
  conditions: Record<string, unknown>,
  name: string,
  resolve: (value: unknown) => unknown,
): boolean {
  const evaluate = (expression: unknown): boolean => {
    const [entry] = Object.entries(expression as Record<string, unknown>);
    if (!entry) throw new StackTemplateError(`empty condition in ${name}`);
    const [fn, arg] = entry;
    const args = arg as unknown[];
    switch (fn) {
      case 'Fn::Equals':
        return JSON.stringify(resolve(args[0])) === JSON.stringify(resolve(args[1]));
      case 'Fn::Not':
        return !evaluate(args[0]);
      case 'Fn::And':
        return args.every(evaluate);
      case 'Fn::Or':
        return args.some(evaluate);
      case 'Condition':
        return evaluate(conditions[String(arg)]);
      default:
        throw new StackTemplateError(`the emulator does not evaluate ${fn} in condition ${name}`);
    }
  };
  return evaluate(conditions[name]);
}
