import { TransientError } from './errors';

/**
 * Retries with exponential backoff and full jitter.
 *
 * Why our own retry on top of the AWS SDK's retry middleware: the SDK's retries live inside
 * `client.send`, and aws-sdk-client-mock replaces `send`, so in tests the SDK's retries never run.
 * Retrying in our own code is the only retry behaviour a test can observe, and so the only one we
 * can prove. The SDK's retries stay on in production; ours wrap them (a throttled call may be tried
 * up to SDK attempts x `maxAttempts` times, still bounded).
 */
export interface RetryPolicy {
  /** Attempts in total, the first included. @default 5 */
  readonly maxAttempts?: number;
  /** Upper bound of the first backoff. @default 50 */
  readonly baseDelayMs?: number;
  /** Upper bound of any single backoff. @default 2000 */
  readonly maxDelayMs?: number;
  /** Which errors are worth another attempt. @default isRetryableError */
  readonly isRetryable?: (err: unknown) => boolean;
  /** Injected in tests so that backoff takes no time. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected in tests to make jitter deterministic; returns [0, 1). @default Math.random */
  readonly random?: () => number;
  /** Called before each backoff, e.g. to log or count retries. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export const DEFAULT_RETRY_POLICY = {
  maxAttempts: 5,
  baseDelayMs: 50,
  maxDelayMs: 2000,
} as const;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` until it succeeds, fails with a non-retryable error, or `maxAttempts` is reached. The
 * error thrown is always the one `fn` threw (unwrapped), because workflows match on its name.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts));
  const baseDelayMs = policy.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs;
  const maxDelayMs = policy.maxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs;
  const isRetryable = policy.isRetryable ?? isRetryableError;
  const sleep = policy.sleep ?? defaultSleep;
  const random = policy.random ?? Math.random;

  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !isRetryable(error)) throw error;
      const delayMs = backoffDelay(attempt, baseDelayMs, maxDelayMs, random);
      policy.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}

/**
 * "Full jitter": a uniform delay between 0 and the exponential cap. Spreads out many clients that
 * were throttled at the same moment, so they do not all come back together.
 */
export function backoffDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * cap);
}

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'InternalServerException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TransactionConflictException',
  'ReplicatedWriteConflictException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** The request was wrong, or the answer is definite: trying again gives the same answer. */
const NEVER_RETRIED_NAMES = new Set([
  'ConditionalCheckFailedException',
  'ValidationException',
  'TransactionCanceledException',
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'ItemCollectionSizeLimitExceededException',
]);

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  cause?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/**
 * True for AWS throttling, AWS server-side failures and dropped connections; false for anything
 * that would fail the same way again (a failed condition, an invalid request).
 */
export function isTransientAwsError(err: unknown): boolean {
  return classify(err, 0);
}

/** The default of `withRetry`: our own `TransientError`s and transient AWS errors. */
export function isRetryableError(err: unknown): boolean {
  return err instanceof TransientError || isTransientAwsError(err);
}

function classify(err: unknown, depth: number): boolean {
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  const e = err as ErrorShape;
  const name = typeof e.name === 'string' ? e.name : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;

  if (name !== undefined && NEVER_RETRIED_NAMES.has(name)) return false;
  if (name !== undefined && TRANSIENT_NAMES.has(name)) return true;
  if (code !== undefined && (TRANSIENT_NAMES.has(code) || TRANSIENT_NETWORK_CODES.has(code))) return true;
  // Smithy sets $retryable on errors its model marks retryable (throttling included).
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  // Network failures can arrive wrapped (e.g. a TimeoutError around an ECONNRESET).
  return e.cause !== undefined && classify(e.cause, depth + 1);
}
