/**
 * Retries around one key (on top of the SDK's own retries): exponential backoff with full jitter
 * on throttling, 5xx and network errors. Permanent errors (AccessDenied, NoSuchKey, …) fail at once.
 */

export interface RetryOptions {
  /** Attempts including the first (default 5). */
  readonly attempts?: number;
  /** Base delay in ms; attempt n waits a random time in [0, base·2ⁿ] (default 200). */
  readonly baseDelayMs?: number;
  /** Cap on one delay in ms (default 10,000). */
  readonly maxDelayMs?: number;
}

const THROTTLING = new Set([
  "SlowDown",
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ServiceUnavailable",
  "InternalError",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
]);
const NETWORK = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN", "ENOTFOUND", "ECONNABORTED"]);

interface ErrorLike {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

/** Error code of an SDK or network error. */
export function errorCode(error: unknown): string {
  const e = (error ?? {}) as ErrorLike;
  return e.Code ?? e.name ?? e.code ?? "Error";
}

/** HTTP status of an SDK error, if any. */
export function errorStatus(error: unknown): number | undefined {
  return ((error ?? {}) as ErrorLike).$metadata?.httpStatusCode;
}

/** Whether another attempt may succeed: throttling, 5xx, timeouts and connection errors. */
export function isRetryable(error: unknown): boolean {
  const e = (error ?? {}) as ErrorLike;
  const status = errorStatus(error);
  if (status !== undefined && (status === 429 || status >= 500)) return true;
  if (THROTTLING.has(errorCode(error))) return true;
  if (e.code && NETWORK.has(e.code)) return true;
  return e.$retryable !== undefined && e.$retryable !== false;
}

export function describeError(error: unknown): { code: string; message: string } {
  const status = errorStatus(error);
  const code = errorCode(error);
  const message = (error as ErrorLike | undefined)?.message || code;
  return { code, message: status !== undefined ? `${message} (HTTP ${status})` : message };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `call` until it succeeds, a permanent error occurs, or the attempts are used up. */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 10_000;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await sleep(Math.random() * Math.min(cap, base * 2 ** attempt));
    }
  }
}
