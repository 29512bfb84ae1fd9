import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { TransientError } from '../errors';
import { isTransientAwsError, withRetry, type RetryPolicy } from '../retry';
import { PARTITION_KEY, SORT_KEY, type ItemKey } from './keys';

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

/** The item at `key`, read consistently; undefined when there is none. */
export async function getItem(ctx: StoreContext, key: ItemKey): Promise<Record<string, unknown> | undefined> {
  const out = await call(ctx, () => ctx.client.send(new GetCommand({ TableName: ctx.tableName, Key: key, ConsistentRead: true })));
  return out.Item;
}

/** Writes the whole item (key attributes included), replacing whatever was there. */
export async function putItem(ctx: StoreContext, item: Record<string, unknown>): Promise<void> {
  await call(ctx, () => ctx.client.send(new PutCommand({ TableName: ctx.tableName, Item: item })));
}

export type UpdateInput = Omit<UpdateCommandInput, 'TableName'>;

/** An UpdateItem on the table; a failed condition throws (see `updateIf`). */
export function update(ctx: StoreContext, input: UpdateInput): Promise<UpdateCommandOutput> {
  return call(ctx, () => ctx.client.send(new UpdateCommand({ TableName: ctx.tableName, ...input })));
}

/** An UpdateItem whose condition may fail: undefined when it did, the output otherwise; other errors are thrown. */
export async function updateIf(ctx: StoreContext, input: UpdateInput): Promise<UpdateCommandOutput | undefined> {
  try {
    return await update(ctx, input);
  } catch (err) {
    if (isConditionalCheckFailed(err)) return undefined;
    throw err;
  }
}

export interface PrefixQuery {
  readonly pk: string;
  /** Sort keys that begin with this. */
  readonly prefix: string;
  /** Items per Query page; DynamoDB also stops a page at 1 MB. */
  readonly pageSize: number;
  /** Stop once this many items are found. @default all of them */
  readonly limit?: number;
  /** Descending sort key order. @default false */
  readonly descending?: boolean;
}

/** The items of one partition whose sort key begins with `prefix`, in sort key order, page by page. */
export async function queryPrefix(ctx: StoreContext, query: PrefixQuery): Promise<Record<string, unknown>[]> {
  const limit = query.limit ?? Number.POSITIVE_INFINITY;
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await call(ctx, () =>
      ctx.client.send(
        new QueryCommand({
          TableName: ctx.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
          ExpressionAttributeValues: { ':pk': query.pk, ':prefix': query.prefix },
          ...(query.descending === true ? { ScanIndexForward: false } : {}),
          ConsistentRead: true,
          Limit: Math.min(query.pageSize, limit - items.length),
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined && items.length < limit);
  return items;
}

/** The item without its key attributes. */
export function withoutKey<T extends object>(item: T): Omit<T, typeof PARTITION_KEY | typeof SORT_KEY> {
  const { [PARTITION_KEY]: _pk, [SORT_KEY]: _sk, ...rest } = item as T & { readonly [PARTITION_KEY]?: unknown; readonly [SORT_KEY]?: unknown };
  return rest;
}
