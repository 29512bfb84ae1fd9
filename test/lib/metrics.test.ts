import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../lambdas/shared/catalog/metrics';
import { ferryMetric } from '../../lib/metrics';
import { synthesize } from './stack.fixture';

describe('ferryMetric', () => {
  it("names the catalogue entry in namespace Ferry, with its dimensions and Powertools' service dimension", () => {
    // GIVEN the catalogue's replication lag
    // WHEN
    const metric = ferryMetric(METRICS.replicationLagSeconds, { migrationId: 'orders' });

    // THEN
    expect(metric.namespace).toBe('Ferry');
    expect(metric.metricName).toBe('ReplicationLagSeconds');
    expect(metric.dimensions).toEqual({ service: 'ferry', migrationId: 'orders' });
  });

  it('keeps the statistic and period it is given, and every dimension of the entry', () => {
    // GIVEN an entry with two dimensions
    // WHEN
    const metric = ferryMetric(METRICS.driftDifferencesByKind, { migrationId: 'orders', kind: 'column-extra' }, { statistic: cloudwatch.Stats.MAXIMUM, period: Duration.hours(1) });

    // THEN
    expect(metric.statistic).toBe('Maximum');
    expect(metric.period.toSeconds()).toBe(3600);
    expect(metric.dimensions).toEqual({ service: 'ferry', migrationId: 'orders', kind: 'column-extra' });
  });

  it('is what an alarm on it watches', () => {
    // GIVEN the metric of replication health
    const healthy = ferryMetric(METRICS.replicationHealthy, { migrationId: 'orders' }, { statistic: cloudwatch.Stats.MINIMUM, period: Duration.minutes(1) });

    // WHEN an alarm watches it
    const { template } = synthesize((stack) => ({
      alarm: healthy.createAlarm(stack, 'Healthy', { threshold: 1, evaluationPeriods: 1, comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD }),
    }));

    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'Ferry',
      MetricName: 'ReplicationHealthy',
      Statistic: 'Minimum',
      Period: 60,
      Dimensions: [
        { Name: 'migrationId', Value: 'orders' },
        { Name: 'service', Value: 'ferry' },
      ],
    });
  });

  it('takes exactly the dimensions of the entry', () => {
    // GIVEN entries with one and with two dimensions
    // WHEN a dimension is left out
    // THEN the compiler refuses it
    // @ts-expect-error: migrationId is missing
    expect(() => ferryMetric(METRICS.driftDifferences, {})).not.toThrow();
    // @ts-expect-error: kind is missing
    expect(ferryMetric(METRICS.driftDifferencesByKind, { migrationId: 'orders' }).dimensions).toEqual({ service: 'ferry', migrationId: 'orders' });
  });
});
