import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { FERRY_NAMESPACE, FERRY_SERVICE, type DimensionsOf, type MetricEntry } from '../lambdas/shared/catalog/metrics';

/** What a caller may set on a Ferry metric: how it is aggregated and shown, never what it is. */
export type FerryMetricProps = Omit<cloudwatch.MetricProps, 'namespace' | 'metricName' | 'dimensionsMap'>;

/**
 * A CloudWatch metric for an entry of Ferry's metric catalogue (lambdas/shared/catalog/metrics.ts):
 * namespace `Ferry`, the entry's name, and its dimensions plus the `service` dimension Powertools
 * adds to every metric it publishes (a CloudWatch metric is identified by all of its dimensions).
 */
export function ferryMetric<E extends MetricEntry>(entry: E, dimensions: DimensionsOf<E>, props: FerryMetricProps = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    ...props,
    namespace: FERRY_NAMESPACE,
    metricName: entry.name,
    dimensionsMap: { service: FERRY_SERVICE, ...dimensions },
  });
}
