import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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
 * Every DynamoDB call goes through here. The closure builds a fresh command per attempt: a command
 * object is not meant to be sent twice.
 */
export function call<T>(ctx: StoreContext, op: () => Promise<T>): Promise<T> {
  return withRetry(op, { isRetryable: isTransientAwsError, ...ctx.retry });
}

export function isConditionalCheckFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}
