import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { AsyncFunctionWatch } from '../../../lib/constructs/async-function-watch';
import { notifies, synthesize } from '../stack.fixture';

/** The replication monitor's function watched in an empty stack, with a silence alarm after `silentAfter`. */
function watched(silentAfter?: Duration) {
  return synthesize((stack) => {
    const topic = new sns.Topic(stack, 'Topic');
    const fn = new lambda.Function(stack, 'Monitor', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {}') });
    const watch = new AsyncFunctionWatch(stack, 'Watch', { fn, step: 'replication-monitor', purpose: 'publishes replication health', topic, ...(silentAfter ? { silentAfter } : {}) });
    return { topic, fn, watch };
  });
}

describe('AsyncFunctionWatch', () => {
  it('sends the events the function failed on after two retries to a watched dead-letter queue', () => {
    // GIVEN a function invoked asynchronously
    // WHEN it is watched
    const { watch, template, ref } = watched();
    // THEN
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: ref(watch.deadLetterQueue.queueArn) } },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'Test-replication-monitor-dead-letter', Threshold: 0 });
    // and only services deliver to it: no queue may redrive into it (Control Tower CT.SQS.PR.1)
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, RedriveAllowPolicy: { redrivePermission: 'denyAll' } });
  });

  it('alarms on any error in 5 minutes, and tells both the alarm and its end', () => {
    // GIVEN a function invoked asynchronously
    // WHEN it is watched
    const { topic, template, ref } = watched();
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Test-replication-monitor-errors',
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
      ...notifies(ref(topic.topicArn)),
    });
  });

  it('alarms when a scheduled function has not run at all, counting no data as silence', () => {
    // GIVEN a function a schedule runs
    // WHEN it is watched for 5 minutes of silence
    const { template } = watched(Duration.minutes(5));
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'Test-replication-monitor-silent',
      MetricName: 'Invocations',
      Period: 300,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
    expect(JSON.stringify(template.findResources('AWS::CloudWatch::Alarm'))).toContain('has not run for 5 minutes');
  });

  it('has no silence alarm for a function that runs only on events', () => {
    // GIVEN a function only events invoke
    // WHEN it is watched without silentAfter
    const { watch, template } = watched();
    // THEN
    expect(watch.silentAlarm).toBeUndefined();
    expect(Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmName)).not.toContain('Test-replication-monitor-silent');
  });
});
