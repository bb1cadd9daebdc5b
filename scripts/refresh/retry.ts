/**
 * The refresh's one retry policy, for both halves. It sits on top of the SDK's own retries: every
 * client the refresh builds (accounts.ts, objects/client.ts) lets the SDK retry a request up to
 * SDK_MAX_ATTEMPTS times with its short backoff; what still fails comes here, where a few more
 * attempts wait longer (full-jitter exponential backoff from BASE_DELAY_MS up to MAX_DELAY_MS),
 * so a throttled describe in a long wait, or a slow-down burst in a copy, does not fail the
 * refresh. Permanent errors (AccessDenied, NotFound, an expired token…) fail at once.
 */
import { Clock, realClock } from "./core";

/** Attempts of one request inside the SDK (standard/adaptive retry mode), before this layer sees the error. */
export const SDK_MAX_ATTEMPTS = 3;

const DEFAULTS = { attempts: 4, baseDelayMs: 500, maxDelayMs: 20_000 } as const;

export interface RetryOptions {
  /** Attempts at this layer, including the first (default 4; each is up to SDK_MAX_ATTEMPTS requests). */
  readonly attempts?: number;
  /** Base delay in ms; attempt n waits a random time in [0, base·2ⁿ⁻¹] (default 500). */
  readonly baseDelayMs?: number;
  /** Cap on one delay in ms (default 20,000). */
  readonly maxDelayMs?: number;
}

export interface RetryContext extends RetryOptions {
  /** What is being called, for the message when the attempts run out (e.g. `rds:DescribeDBClusters`). */
  readonly what?: string;
  /** Time source (the simulated clock in tests). Default: real time. */
  readonly clock?: Clock;
  readonly random?: () => number;
}

const TRANSIENT = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottled",
  "RequestThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "SlowDown",
  "InternalFailure",
  "InternalError",
  "ServiceUnavailable",
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
  if (TRANSIENT.has(errorCode(error)) || (e.name !== undefined && TRANSIENT.has(e.name))) return true;
  if (e.code && NETWORK.has(e.code)) return true;
  return e.$retryable !== undefined && e.$retryable !== false;
}

export function describeError(error: unknown): { code: string; message: string } {
  const status = errorStatus(error);
  const code = errorCode(error);
  const message = (error as ErrorLike | undefined)?.message || code;
  return { code, message: status !== undefined ? `${message} (HTTP ${status})` : message };
}

/** Runs `call` until it succeeds, a permanent error occurs, or the attempts are used up. */
export async function withRetries<T>(call: () => Promise<T>, options: RetryContext = {}): Promise<T> {
  const attempts = Math.max(1, options.attempts ?? DEFAULTS.attempts);
  const base = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const cap = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  const clock = options.clock ?? realClock;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt >= attempts) {
        if (options.what && error instanceof Error) error.message = `${options.what}: still failing after ${attempts} attempts: ${error.message}`;
        throw error;
      }
      await clock.sleep(Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 1))));
    }
  }
}
