import { GetMetricDataCommand, type CloudWatchClient, type Dimension, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { RetryPolicy } from '../../retry';
import { ReplicationLagUnknownError, type ReplicationLag } from '../engine';
import { awsCall } from './aws-call';

/** How far back to look: DMS publishes every minute, and CloudWatch shows a point a minute or two late. */
const WINDOW_MS = 10 * 60_000;
/** A newest datapoint older than this no longer describes the replication. */
const MAX_AGE_MS = 5 * 60_000;

export interface LatencyQuery {
  readonly cloudwatch: CloudWatchClient;
  readonly dimensions: readonly Dimension[];
  /** For messages: `DMS task "orders-forward"`. */
  readonly what: string;
  readonly now: number;
  readonly retry?: RetryPolicy;
}

/**
 * The replication's lag from AWS/DMS CDCLatencySource and CDCLatencyTarget (the newest 1-minute
 * maximum of each). CDCLatencySource is the gap between the last event read from the source and
 * now; CDCLatencyTarget the gap between the last event applied on the target and now, and "target
 * latency should never be smaller than the source latency" (DMS user guide, replication task
 * metrics): it already includes the source side. So the lag is CDCLatencyTarget, or the source
 * latency if that is larger (the two points are not taken at the same instant). Without a recent
 * CDCLatencyTarget point the lag is unknown, never zero.
 */
export async function readLatency(query: LatencyQuery): Promise<ReplicationLag> {
  const metric = (name: string) => ({
    Metric: { Namespace: 'AWS/DMS', MetricName: name, Dimensions: [...query.dimensions] },
    Period: 60,
    Stat: 'Maximum',
  });
  const output = await awsCall(
    { service: 'CloudWatch', operation: 'GetMetricData', target: query.what },
    () =>
      query.cloudwatch.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            { Id: 'source', MetricStat: metric('CDCLatencySource'), ReturnData: true },
            { Id: 'target', MetricStat: metric('CDCLatencyTarget'), ReturnData: true },
          ],
          StartTime: new Date(query.now - WINDOW_MS),
          EndTime: new Date(query.now),
          ScanBy: 'TimestampDescending',
        }),
      ),
    query.retry,
  );
  const results = output.MetricDataResults ?? [];
  const source = newest(results.find((r) => r.Id === 'source'), query.now);
  const target = newest(results.find((r) => r.Id === 'target'), query.now);
  if (target === undefined) {
    const dims = query.dimensions.map((d) => `${d.Name}=${d.Value}`).join(', ');
    throw new ReplicationLagUnknownError(
      `${query.what}: CloudWatch has no CDCLatencyTarget datapoint from the last ${MAX_AGE_MS / 60_000} minutes ` +
        `(namespace AWS/DMS, ${dims}), so the lag is unknown. Right after a start this fills in within minutes. ` +
        `If it persists, check that the replication is applying changes and list its metrics with ` +
        `aws cloudwatch list-metrics --namespace AWS/DMS --metric-name CDCLatencyTarget.`,
    );
  }
  return { seconds: Math.max(target, source ?? 0) };
}

/** The value of the newest datapoint, if it is recent enough to trust. */
function newest(result: MetricDataResult | undefined, now: number): number | undefined {
  const timestamps = result?.Timestamps ?? [];
  const values = result?.Values ?? [];
  let best: { at: number; value: number } | undefined;
  timestamps.forEach((timestamp, i) => {
    const at = new Date(timestamp).getTime();
    const value = values[i];
    if (value === undefined || !Number.isFinite(value) || Number.isNaN(at)) return;
    if (!best || at > best.at) best = { at, value };
  });
  if (!best || now - best.at > MAX_AGE_MS) return undefined;
  return best.value;
}
