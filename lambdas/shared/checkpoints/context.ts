import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../errors';
import { isTransientAwsError, withRetry, type RetryPolicy } from '../retry';

/** What every part of the store needs; built once by `CheckpointStore`. */
export interface StoreContext {
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Epoch milliseconds. */
  readonly now: () => number;
  readonly retry: RetryPolicy;
}

/**
 * DynamoDB kept throttling or failing on its side after our retries. A named TransientError, so
 * the workflows' Retry blocks (which match names, not classes) try the step again later; the
 * original SDK error is its `cause`.
 */
export class CheckpointTransientError extends TransientError {
  override readonly name = 'CheckpointTransientError';
}

/**
 * Every DynamoDB call goes through here. The closure builds a fresh command per attempt: a command
 * object is not meant to be sent twice.
 */
export async function call<T>(ctx: StoreContext, op: () => Promise<T>): Promise<T> {
  const isRetryable = ctx.retry.isRetryable ?? isTransientAwsError;
  try {
    return await withRetry(op, { ...ctx.retry, isRetryable });
  } catch (error) {
    if (!isRetryable(error)) throw error;
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new CheckpointTransientError(`The checkpoint table kept failing after retries (${what}); the step will be tried again.`, { cause: error });
  }
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}
