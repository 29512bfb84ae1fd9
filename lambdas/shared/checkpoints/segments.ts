import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { call, type StoreContext } from './context';
import { PARTITION_KEY, runPk, segmentKey, segmentPrefix, SORT_KEY } from './keys';

/**
 * Comparison progress, one item per table segment, so that a comparison cut short (Lambda time
 * budget, crash) resumes and redoes at most the segments that were in flight.
 */
export type SegmentStatus = 'pending' | 'running' | 'done' | 'failed';

export interface SegmentProgress {
  readonly status: SegmentStatus;
  /** Whatever the comparison wants to keep (counts, hashes, differing keys); stored as a map. */
  readonly result?: Readonly<Record<string, unknown>>;
}

export interface SegmentRecord extends SegmentProgress {
  readonly table: string;
  readonly n: number;
  /** ISO-8601. */
  readonly updatedAt: string;
}

export interface ListSegmentsOptions {
  /** Items per Query page; DynamoDB also stops a page at 1 MB. @default 500 */
  readonly pageSize?: number;
}

/** Overwrites the segment's record: the latest progress is the truth. */
export async function putSegment(
  ctx: StoreContext,
  runId: string,
  table: string,
  n: number,
  progress: SegmentProgress,
): Promise<void> {
  const record: SegmentRecord = {
    status: progress.status,
    ...(progress.result === undefined ? {} : { result: progress.result }),
    table,
    n,
    updatedAt: new Date(ctx.now()).toISOString(),
  };
  await call(ctx, () =>
    ctx.client.send(new PutCommand({ TableName: ctx.tableName, Item: { ...segmentKey(runId, table, n), ...record } })),
  );
}

export async function getSegment(
  ctx: StoreContext,
  runId: string,
  table: string,
  n: number,
): Promise<SegmentRecord | undefined> {
  const out = await call(ctx, () =>
    ctx.client.send(new GetCommand({ TableName: ctx.tableName, Key: segmentKey(runId, table, n), ConsistentRead: true })),
  );
  return out.Item === undefined ? undefined : toRecord(out.Item);
}

/** All recorded segments of one table, in segment number order. */
export async function listSegments(
  ctx: StoreContext,
  runId: string,
  table: string,
  options: ListSegmentsOptions = {},
): Promise<SegmentRecord[]> {
  const records: SegmentRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await call(ctx, () =>
      ctx.client.send(
        new QueryCommand({
          TableName: ctx.tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': PARTITION_KEY, '#sk': SORT_KEY },
          ExpressionAttributeValues: { ':pk': runPk(runId), ':prefix': segmentPrefix(table) },
          ConsistentRead: true,
          Limit: options.pageSize ?? 500,
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    for (const item of page.Items ?? []) records.push(toRecord(item));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return records;
}

/** Segment numbers in `[0, total)` that are not `done`, ascending: what a resumed run must do. */
export async function pendingSegments(
  ctx: StoreContext,
  runId: string,
  table: string,
  total: number,
): Promise<number[]> {
  const done = new Set(
    (await listSegments(ctx, runId, table)).filter((s) => s.status === 'done').map((s) => s.n),
  );
  return Array.from({ length: total }, (_, n) => n).filter((n) => !done.has(n));
}

export async function segmentsDone(ctx: StoreContext, runId: string, table: string, total: number): Promise<boolean> {
  return (await pendingSegments(ctx, runId, table, total)).length === 0;
}

function toRecord(item: Record<string, unknown>): SegmentRecord {
  const { [PARTITION_KEY]: _pk, [SORT_KEY]: _sk, ...record } = item;
  return record as unknown as SegmentRecord;
}
