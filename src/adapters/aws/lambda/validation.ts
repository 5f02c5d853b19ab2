import { handleDataValidation } from '../../../pipeline/handlers/data-validation.ts';
import { TOPICS } from '../../../pipeline/messages.ts';
import { type LambdaContainer, lambdaContainer } from '../aws-handler-deps.ts';
import { createTaskHandler } from './deliver-task.ts';

/** `claims.validate` tasks from the processing topic -> data-validation, delivered as locally (deliver-task.ts). */
export function createValidationHandler(container: () => LambdaContainer): (event: unknown) => Promise<void> {
  return createTaskHandler(
    TOPICS.validate,
    'data-validation',
    (task, { deps }) => handleDataValidation(task, deps),
    container,
  );
}

export const handler = createValidationHandler(lambdaContainer);
