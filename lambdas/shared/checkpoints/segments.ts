import { getItem, putItem, queryPrefix, withoutKey, type StoreContext } from './context';
import { runPk, segmentKey, segmentPrefix } from './keys';

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
  await putItem(ctx, { ...segmentKey(runId, table, n), ...record });
}

export async function getSegment(
  ctx: StoreContext,
  runId: string,
  table: string,
  n: number,
): Promise<SegmentRecord | undefined> {
  const item = await getItem(ctx, segmentKey(runId, table, n));
  return item === undefined ? undefined : toRecord(item);
}

/** All recorded segments of one table, in segment number order. */
export async function listSegments(
  ctx: StoreContext,
  runId: string,
  table: string,
  options: ListSegmentsOptions = {},
): Promise<SegmentRecord[]> {
  const items = await queryPrefix(ctx, { pk: runPk(runId), prefix: segmentPrefix(table), pageSize: options.pageSize ?? 500 });
  return items.map(toRecord);
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
  return withoutKey(item) as unknown as SegmentRecord;
}
