import { AlertDeliveryError } from '../../domain/errors.ts';

/**
 * POSTs a JSON body and waits for a 2xx answer within `timeoutMs`. Errors never quote the URL
 * (webhook URLs are secrets). 4xx answers other than 408 and 429 are not worth retrying.
 */
export async function postJson(channel: string, url: string, body: unknown, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const problem =
      error instanceof Error && error.name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : `request failed: ${causeOf(error)}`;
    throw new AlertDeliveryError(channel, problem, true, { cause: error });
  }
  await response.body?.cancel();
  if (!response.ok) {
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new AlertDeliveryError(channel, `HTTP ${response.status}`, retryable);
  }
}

/** fetch() says only "fetch failed"; the reason (ECONNREFUSED...) is its cause. */
function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  return cause instanceof Error ? (cause.message.split('\n')[0] ?? '') : String(cause);
}
