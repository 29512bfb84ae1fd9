import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../../lambdas/shared/catalog/metrics';
import { StallAlarm, type StallAlarmProps } from '../../../lib/constructs/stall-alarm';
import { alarmNamed, emptyStack, ferryStack, synthesize } from '../stack.fixture';

type Json = any;

/** A StallAlarm for `orders` in an empty stack named `Test`, with a topic. */
const stallAlarm = (props: Omit<StallAlarmProps, 'topic' | 'migrationId'> = {}) =>
  synthesize((stack) => {
    const topic = new sns.Topic(stack, 'Topic');
    return { topic, stall: new StallAlarm(stack, 'Stall', { migrationId: 'orders', topic, ...props }) };
  });

/** The alarm's metric queries by id. */
const queriesOf = (alarm: Json): Record<string, Json> => Object.fromEntries(alarm.Metrics.map((q: Json) => [q.Id, q]));

describe('StallAlarm', () => {
  it('looks at one window of stallMinutes: applied rows flat while the source is written or the full load unfinished, with enough readings', () => {
    // GIVEN a 20-minute stall window
    // WHEN
    const { template } = stallAlarm({ stallMinutes: 20 });

    // THEN the alarm evaluates one 20-minute window of the expression
    const alarm = alarmNamed(template, 'Test-orders-replication-stalled');
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    const queries = queriesOf(alarm);
    const expression = Object.values(queries).find((q) => q.Expression)!;
    expect(expression).toMatchObject({ ReturnData: true });
    expect(expression.Expression).toBe(
      'IF((FILL(readings, 0) >= 10) AND ((FILL(writtenMax - writtenMin, 0) > 0) OR (FILL(pending, 0) > 0)) AND (FILL(appliedMax - appliedMin, 0) <= 0), 1, 0)',
    );
    // and each input is a catalogue metric of this migration, over the same window
    const input = (id: string) => {
      const { Metric, Stat, Period } = queries[id].MetricStat;
      return { name: Metric.MetricName, namespace: Metric.Namespace, dimensions: Metric.Dimensions, Stat, Period };
    };
    const dimensions = [{ Name: 'migrationId', Value: 'orders' }, { Name: 'service', Value: 'ferry' }];
    expect(input('writtenMax')).toEqual({ name: METRICS.changesWritten.name, namespace: 'Ferry', dimensions, Stat: 'Maximum', Period: 1200 });
    expect(input('writtenMin')).toEqual({ name: METRICS.changesWritten.name, namespace: 'Ferry', dimensions, Stat: 'Minimum', Period: 1200 });
    expect(input('appliedMax')).toEqual({ name: METRICS.changesApplied.name, namespace: 'Ferry', dimensions, Stat: 'Maximum', Period: 1200 });
    expect(input('appliedMin')).toEqual({ name: METRICS.changesApplied.name, namespace: 'Ferry', dimensions, Stat: 'Minimum', Period: 1200 });
    expect(input('readings')).toEqual({ name: METRICS.changesApplied.name, namespace: 'Ferry', dimensions, Stat: 'SampleCount', Period: 1200 });
    expect(input('pending')).toEqual({ name: METRICS.tablesPending.name, namespace: 'Ferry', dimensions, Stat: 'Maximum', Period: 1200 });
  });

  it('notifies the topic on ALARM and OK and starts nothing else (no rollback)', () => {
    const { template, topic, ref } = stallAlarm();

    const alarm = alarmNamed(template, 'Test-orders-replication-stalled');

    expect(alarm.AlarmActions).toEqual([ref(topic.topicArn)]);
    expect(alarm.OKActions).toEqual([ref(topic.topicArn)]);
    expect(template.findResources('AWS::Events::Rule')).toEqual({});
    expect(alarm.AlarmDescription).toMatch(/applied nothing for 15 minutes .* It notifies only: nothing rolls back\./);
  });

  it("tells where to look for the migration's engine", () => {
    expect(alarmNamed(stallAlarm({ engine: 'native' }).template, 'Test-orders-replication-stalled').AlarmDescription).toContain('pg_stat_subscription');
    expect(alarmNamed(stallAlarm({ engine: 'dms-instance' }).template, 'Test-orders-replication-stalled').AlarmDescription).toContain("the task's table statistics");
  });

  it('refuses a window shorter than 5 minutes, longer than a day, or not whole', () => {
    const stack = emptyStack();
    const topic = new sns.Topic(stack, 'Topic');
    for (const [i, stallMinutes] of [4, 1441, 7.5].entries()) {
      expect(() => new StallAlarm(stack, `Stall${i}`, { migrationId: 'orders', topic, stallMinutes })).toThrow(
        `StallAlarm: stallMinutes must be a whole number of minutes from 5 to 1440, got ${stallMinutes}`,
      );
    }
  });

  it('is made for every migration of the stack with its thresholds.stallMinutes', () => {
    // GIVEN two migrations, one with a 30-minute window
    const { template } = ferryStack((env) => {
      const orders = env.migrations[0]!;
      env.migrations.push({ ...orders, id: 'catalog', thresholds: { stallMinutes: 30 } });
    });
    // WHEN / THEN
    expect(queriesOf(alarmNamed(template, 'Ferry-test-orders-replication-stalled')).pending.MetricStat.Period).toBe(15 * 60);
    expect(queriesOf(alarmNamed(template, 'Ferry-test-catalog-replication-stalled')).pending.MetricStat.Period).toBe(30 * 60);
  });
});
