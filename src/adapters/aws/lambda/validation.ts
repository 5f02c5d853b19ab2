import { handleDataValidation } from '../../../pipeline/handlers/data-validation.ts';
import { type LambdaContainer, lambdaContainer } from '../aws-handler-deps.ts';
import { snsMessages } from './sns-messages.ts';

/** `claims.validate` tasks from the processing topic -> data-validation; failures throw for Lambda's retries. */
export function createValidationHandler(container: () => LambdaContainer): (event: unknown) => Promise<void> {
  return async (event) => {
    for (const task of snsMessages(event)) await handleDataValidation(task, container().deps);
  };
}

export const handler = createValidationHandler(lambdaContainer);
