/** The six Lambda functions of the stack. */
export const FUNCTION_IDS = [
  'trigger',
  'validation',
  'etl',
  'glueCompletion',
  'postProcessing',
  'errorHandler',
] as const;
export type FunctionId = (typeof FUNCTION_IDS)[number];
