import { handleDataValidation } from '../../../pipeline/handlers/data-validation.ts';
import {
  requestedKey,
  type ValidationOutput,
  ValidationRequestError,
  validateObject,
  validationRequestSchema,
} from '../../../pipeline/handlers/validate-object.ts';
import { TOPICS } from '../../../pipeline/messages.ts';
import { type LambdaContainer, lambdaContainer } from '../aws-handler-deps.ts';
import { createTaskHandler } from './deliver-task.ts';

/**
 * Two inputs: `claims.validate` tasks from the processing topic -> data-validation, delivered as
 * locally (deliver-task.ts); or the reference design's direct request `{"bucket", "key"}`, answered
 * with `{validation_status, report_location, summary}` (a synchronous invoke, the file run on DuckDB
 * here up to DUCKDB_MAX_BYTES, as etl would run it).
 */
export function createValidationHandler(
  container: () => LambdaContainer,
): (event: unknown) => Promise<ValidationOutput | undefined> {
  const tasks = createTaskHandler(
    TOPICS.validate,
    'data-validation',
    (task, { deps }) => handleDataValidation(task, deps),
    container,
  );
  return async (event) => {
    const request = validationRequestSchema.safeParse(event);
    if (!request.success) {
      await tasks(event);
      return undefined;
    }
    const { env, store, deps } = container();
    const key = requestedKey(request.data, (k) => store.locate(k));
    const bytes = await store.size(key);
    if (bytes > env.DUCKDB_MAX_BYTES) {
      throw new ValidationRequestError(
        request.data.bucket,
        key,
        `${bytes} bytes is over DUCKDB_MAX_BYTES (${env.DUCKDB_MAX_BYTES}): a file this large is validated by the pipeline on Glue`,
      );
    }
    return validateObject(key, deps);
  };
}

export const handler = createValidationHandler(lambdaContainer);
